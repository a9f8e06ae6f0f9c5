#!/usr/bin/env python3
"""The crate's public API as a sorted text listing, compared with .ci/public-api.txt.

    python3 .ci/public_api.py           # check: exit 1 with a diff if the API changed
    python3 .ci/public_api.py --bless   # rewrite .ci/public-api.txt

The listing comes from rustdoc's JSON output (unstable: reached on the stable toolchain
through RUSTC_BOOTSTRAP=1, given to rustdoc alone), built once with every feature and
once without each feature in turn: a line that disappears without feature `f` ends in
`// feature "f"`. Python 3 and its standard library only; nothing to install.

One line per item, at its public path (without the crate name): modules, structs with
their public fields, enums with their variants, traits with their items, functions and
methods with their signatures, re-exports of other crates, and the trait implementations
of this crate's types and traits (auto traits included: losing `Send` breaks users),
with their associated types. Blanket implementations (`impl<T> From<T> for T`, ...) are
left out: they follow from the standard library, not from this crate.
"""

import difflib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LISTING = os.path.join(ROOT, ".ci", "public-api.txt")
# The rustdoc JSON format this script was written against; others may still work.
KNOWN_FORMAT = 57
# Names from the standard library's prelude, shown without their path.
PRELUDE = {
    "Option", "Some", "None", "Result", "Ok", "Err", "String", "Vec", "Box", "Send",
    "Sync", "Sized", "Unpin", "Copy", "Clone", "Default", "Drop", "Fn", "FnMut", "FnOnce",
    "From", "Into", "TryFrom", "TryInto", "Iterator", "IntoIterator", "PartialEq", "Eq",
    "PartialOrd", "Ord", "ToString", "ToOwned", "AsRef", "AsMut", "Extend",
}
STD_CRATES = {"core", "alloc", "std"}
# Auto traits a user can name on stable Rust (rustdoc also lists unstable ones).
AUTO_TRAITS = {"Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"}
# Implemented by `#[derive(PartialEq)]`, and unstable: not something a user can name.
UNSTABLE_TRAITS = {"StructuralPartialEq"}
# Where a line sits in its owner's group: the item, its parts, its methods, its trait
# implementations, then the auto traits.
ITEM, PART, METHOD, IMPL, AUTO = range(5)


def run(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def cargo_metadata():
    out = run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
              stdout=subprocess.PIPE).stdout
    meta = json.loads(out)
    package = next(p for p in meta["packages"]
                   if os.path.dirname(p["manifest_path"]) == meta["workspace_root"])
    return package, meta["target_directory"]


def rustdoc_json(package, target_dir, features):
    cmd = ["cargo", "rustdoc", "--package", package["name"], "--lib", "--quiet",
           "--no-default-features"]
    if features:
        cmd += ["--features", ",".join(sorted(features))]
    # Broken links in a build without some feature are no concern here: the docs step
    # checks the docs as docs.rs builds them, with every feature.
    cmd += ["--", "-Z", "unstable-options", "--output-format", "json", "-A", "warnings"]
    path = os.path.join(target_dir, "doc", package["name"].replace("-", "_") + ".json")
    if os.path.exists(path):  # every feature set writes here: never read another's
        os.remove(path)
    run(cmd, env=dict(os.environ, RUSTDOC=rustdoc_wrapper(target_dir)))
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def rustdoc_wrapper(target_dir):
    """A rustdoc that may take -Z flags. RUSTC_BOOTSTRAP=1 set for cargo would reach the
    build scripts that watch it (proc-macro2's), and rebuild half the dependencies here
    and again in the next plain `cargo test`."""
    path = os.path.join(target_dir, "public-api", "rustdoc")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rustdoc = os.environ.get("RUSTDOC", "rustdoc")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'#!/bin/sh\nRUSTC_BOOTSTRAP=1 exec "{rustdoc}" "$@"\n')
    os.chmod(path, 0o755)
    return path


def dependents(features, name):
    """Features that turn on `name`, directly or through others, and `name` itself."""
    found = {name}
    changed = True
    while changed:
        changed = False
        for feature, enables in features.items():
            if feature not in found and found.intersection(enables):
                found.add(feature)
                changed = True
    return found


class Listing:
    """Renders one rustdoc JSON document into lines."""

    def __init__(self, doc):
        if doc["format_version"] != KNOWN_FORMAT:
            print(f"note: rustdoc JSON format {doc['format_version']}, "
                  f"this script knows {KNOWN_FORMAT}", file=sys.stderr)
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.root = doc["root"]
        self.public_path = {}  # local item id -> its shortest public path
        self.lines = {}  # text -> sort key: (owner path, rank, text it follows)
        self.impls = set()
        self.collect_paths(self.root, [], set())

    def add(self, owner, rank, text, follows=""):
        self.lines[text] = (tuple(owner), rank, follows or text, text)

    def item(self, id_):
        return self.index.get(str(id_))

    # The public path of every reachable local item (shortest, then alphabetical).

    def collect_paths(self, module_id, prefix, seen):
        if module_id in seen:
            return
        seen = seen | {module_id}
        for child_id in self.item(module_id)["inner"]["module"]["items"]:
            child = self.item(child_id)
            if child is None or child["visibility"] != "public":
                continue
            kind, inner = kind_of(child)
            if kind == "use":
                target = self.item(inner["id"]) if inner["id"] is not None else None
                if target is None:
                    continue
                if inner["is_glob"]:
                    self.collect_paths(inner["id"], prefix, seen)
                    continue
                child_id, kind, name = inner["id"], kind_of(target)[0], inner["name"]
            else:
                name = child["name"]
            path = prefix + [name]
            old = self.public_path.get(child_id)
            if old is None or (len(path), path) < (len(old), old):
                self.public_path[child_id] = path
            if kind == "module":
                self.collect_paths(child_id, path, seen)

    def name(self, id_, written):
        if id_ in self.public_path:
            return "::".join(self.public_path[id_])
        summary = self.paths.get(str(id_))
        if summary is None:
            return written
        path = summary["path"]
        if summary["crate_id"] == 0:
            return "::".join(path[1:])
        if path[0] in STD_CRATES and path[-1] in PRELUDE:
            return path[-1]
        return "::".join(path)

    # Items.

    def walk(self, module_id, prefix, seen):
        if module_id in seen:
            return
        seen = seen | {module_id}
        for child_id in self.item(module_id)["inner"]["module"]["items"]:
            child = self.item(child_id)
            if child is None or child["visibility"] != "public":
                continue
            kind, inner = kind_of(child)
            if kind == "use":
                self.reexport(inner, prefix, seen)
                continue
            path = prefix + [child["name"]]
            if self.public_path.get(child_id) != path:
                alias = f"pub use {'::'.join(path)} = {self.name(child_id, '')}"
                self.add(prefix, PART, alias)
                continue
            self.define(child_id, child, path, seen)

    def reexport(self, use, prefix, seen):
        target = self.item(use["id"]) if use["id"] is not None else None
        if target is None:  # another crate's item or crate
            written = use["source"]
            shown = self.name(use["id"], written) if use["id"] is not None else written
            path = "::".join(prefix + ["*" if use["is_glob"] else use["name"]])
            alias = f"pub use {path}" + (f" = {shown}" if shown != path else "")
            self.add(prefix, PART, alias)
            return
        if use["is_glob"]:
            self.walk(use["id"], prefix, seen)
            return
        path = prefix + [use["name"]]
        if self.public_path.get(use["id"]) == path:
            self.define(use["id"], target, path, seen)
        else:
            self.add(prefix, PART, f"pub use {'::'.join(path)} = {self.name(use['id'], '')}")

    def define(self, id_, item, path, seen):
        kind, inner = kind_of(item)
        p = "::".join(path)
        attrs = self.attrs(item)
        if kind == "module":
            self.add(path, ITEM, f"pub mod {p}")
            self.walk(id_, path, seen)
        elif kind == "struct":
            self.add(path, ITEM, f"{attrs}pub struct {p}{self.generics(inner['generics'])}"
                           f"{self.where(inner['generics'])}")
            struct_kind = inner["kind"]
            if isinstance(struct_kind, dict) and "tuple" in struct_kind:
                for i, field in enumerate(struct_kind["tuple"]):
                    if field is not None:
                        self.field(path, f"{p}::{i}", self.item(field))
            elif isinstance(struct_kind, dict) and "plain" in struct_kind:
                for field in struct_kind["plain"]["fields"]:
                    f = self.item(field)
                    self.field(path, f"{p}::{f['name']}", f)
            self.type_impls(inner["impls"])
        elif kind == "union":
            self.add(path, ITEM, f"{attrs}pub union {p}{self.generics(inner['generics'])}"
                           f"{self.where(inner['generics'])}")
            for field in inner["fields"]:
                f = self.item(field)
                self.field(path, f"{p}::{f['name']}", f)
            self.type_impls(inner["impls"])
        elif kind == "enum":
            self.add(path, ITEM, f"{attrs}pub enum {p}{self.generics(inner['generics'])}"
                           f"{self.where(inner['generics'])}")
            for variant_id in inner["variants"]:
                self.variant(path, self.item(variant_id))
            self.type_impls(inner["impls"])
        elif kind == "trait":
            self.trait(inner, path, attrs)
        elif kind == "function":
            self.add(path, ITEM, f"{attrs}{self.function(p, inner)}")
        elif kind == "type_alias":
            self.add(path, ITEM, f"pub type {p}{self.generics(inner['generics'])} = "
                           f"{self.ty(inner['type'])}{self.where(inner['generics'])}")
        elif kind == "constant":
            self.add(path, ITEM, f"pub const {p}: {self.ty(inner['type'])} = "
                                 f"{inner['const']['expr']}")
        elif kind == "static":
            mutable = "mut " if inner["is_mutable"] else ""
            self.add(path, ITEM, f"pub static {mutable}{p}: {self.ty(inner['type'])}")
        elif kind in ("macro", "proc_macro"):
            self.add(path, ITEM, f"pub macro {p}!")
        else:
            self.add(path, ITEM, f"pub {kind} {p}")

    def attrs(self, item):
        return "#[non_exhaustive] " if "non_exhaustive" in item["attrs"] else ""

    def field(self, owner, path, field):
        if field["visibility"] == "public":
            self.add(owner, PART, f"pub {path}: {self.ty(field['inner']['struct_field'])}")

    def variant(self, enum_path, item):
        inner = item["inner"]["variant"]
        shape = inner["kind"]
        p = f"{'::'.join(enum_path)}::{item['name']}"
        if isinstance(shape, dict) and "tuple" in shape:
            fields = [self.ty(self.item(f)["inner"]["struct_field"]) if f is not None else "_"
                      for f in shape["tuple"]]
            p += f"({', '.join(fields)})"
        elif isinstance(shape, dict) and "struct" in shape:
            fields = [self.item(f) for f in shape["struct"]["fields"]]
            body = [f"{f['name']}: {self.ty(f['inner']['struct_field'])}" for f in fields]
            if shape["struct"]["has_stripped_fields"]:
                body.append("..")
            p += " { " + ", ".join(body) + " }"
        if inner.get("discriminant"):
            p += f" = {inner['discriminant']['value']}"
        self.add(enum_path, PART, f"{self.attrs(item)}pub {p}")

    def trait(self, inner, path, attrs):
        p = "::".join(path)
        unsafe = "unsafe " if inner["is_unsafe"] else ""
        auto = "auto " if inner["is_auto"] else ""
        bounds = self.bounds(inner["bounds"])
        self.add(path, ITEM, f"{attrs}pub {unsafe}{auto}trait {p}"
                             f"{self.generics(inner['generics'])}"
                             f"{': ' + bounds if bounds else ''}{self.where(inner['generics'])}")
        for item_id in inner["items"]:
            item = self.item(item_id)
            kind, member = kind_of(item)
            q = f"{p}::{item['name']}"
            if kind == "function":
                provided = " { .. }" if member["has_body"] else ""
                self.add(path, PART, f"{self.function(q, member)}{provided}")
            elif kind == "assoc_type":
                b = self.bounds(member["bounds"])
                default = f" = {self.ty(member['type'])}" if member["type"] else ""
                self.add(path, PART, f"pub type {q}{self.generics(member['generics'])}"
                               f"{': ' + b if b else ''}{default}")
            elif kind == "assoc_const":
                default = f" = {member['value']}" if member.get("value") else ""
                self.add(path, PART, f"pub const {q}: {self.ty(member['type'])}{default}")
        self.type_impls(inner["implementations"])

    # Implementations.

    def type_impls(self, impl_ids):
        for impl_id in impl_ids:
            if impl_id in self.impls:
                continue
            self.impls.add(impl_id)
            impl = self.item(impl_id)["inner"]["impl"]
            if impl["blanket_impl"] is not None:
                continue
            self_ty = self.ty(impl["for"])
            owner = self.owner_of(impl)
            if impl["trait"] is None:
                self.inherent(impl, self_ty, owner)
            else:
                self.trait_impl(impl, self_ty, owner)

    def owner_of(self, impl):
        """The local type an impl is listed under, or else its local trait."""
        for_ = impl["for"]
        if isinstance(for_, dict) and "resolved_path" in for_:
            path = self.public_path.get(for_["resolved_path"]["id"])
            if path:
                return path
        if impl["trait"] is not None and impl["trait"]["id"] in self.public_path:
            return self.public_path[impl["trait"]["id"]]
        return [self.ty(for_)]

    def inherent(self, impl, self_ty, owner):
        for item_id in impl["items"]:
            item = self.item(item_id)
            if item is None or item["visibility"] != "public":
                continue
            kind, member = kind_of(item)
            q = f"{self_ty}::{item['name']}"
            if kind == "function":
                self.add(owner, METHOD, self.attrs(item) +
                         self.function(q, member, outer=impl["generics"]))
            elif kind == "assoc_const":
                value = member.get("value")
                shown = f" = {value}" if value and value != "_" else ""
                self.add(owner, METHOD, f"pub const {q}: {self.ty(member['type'])}{shown}")
            elif kind == "assoc_type":
                self.add(owner, METHOD, f"pub type {q} = {self.ty(member['type'])}")

    def trait_impl(self, impl, self_ty, owner):
        trait_name = impl["trait"]["path"].split("::")[-1]
        if trait_name in UNSTABLE_TRAITS or (
                impl["is_synthetic"] and trait_name not in AUTO_TRAITS):
            return
        unsafe = "unsafe " if impl["is_unsafe"] else ""
        negative = "!" if impl["is_negative"] else ""
        trait = self.path(impl["trait"])
        header = (f"{unsafe}impl{self.generics(impl['generics'])} {negative}{trait} "
                  f"for {self_ty}{self.where(impl['generics'])}")
        rank = AUTO if impl["is_synthetic"] else IMPL
        self.add(owner, rank, header)
        for item_id in impl["items"]:
            item = self.item(item_id)
            kind, member = kind_of(item)
            if kind == "assoc_type" and member["type"] is not None:
                self.add(owner, rank, f"type <{self_ty} as {trait}>::{item['name']}"
                         f"{self.generics(member['generics'])} = {self.ty(member['type'])}",
                         follows=header)
            elif kind == "assoc_const":
                self.add(owner, rank, f"const <{self_ty} as {trait}>::{item['name']}: "
                         f"{self.ty(member['type'])} = {member['value']}", follows=header)

    # Signatures.

    def function(self, path, inner, outer=None):
        header = inner["header"]
        quals = ""
        if header["is_const"]:
            quals += "const "
        if header["is_async"]:
            quals += "async "
        if header["is_unsafe"]:
            quals += "unsafe "
        abi = header["abi"]
        if abi != "Rust":
            quals += f'extern "{abi_name(abi)}" '
        sig = inner["sig"]
        args = [self.arg(name, ty) for name, ty in sig["inputs"]]
        if sig["is_c_variadic"]:
            args.append("...")
        out = sig["output"]
        ret = f" -> {self.ty(out)}" if out is not None else ""
        where = self.where(inner["generics"], outer)
        return (f"pub {quals}fn {path}{self.generics(inner['generics'])}"
                f"({', '.join(args)}){ret}{where}")

    def arg(self, name, ty):
        if name == "self":
            if ty == {"generic": "Self"}:
                return "self"
            ref = ty.get("borrowed_ref") if isinstance(ty, dict) else None
            if ref and ref["type"] == {"generic": "Self"}:
                lifetime = ref["lifetime"] + " " if ref["lifetime"] else ""
                return f"&{lifetime}{'mut ' if ref['is_mutable'] else ''}self"
        return f"{name}: {self.ty(ty)}"

    def generics(self, generics):
        params = []
        for param in generics["params"]:
            kind, inner = next(iter(param["kind"].items()))
            if kind == "lifetime":
                outlives = " + ".join(inner["outlives"])
                params.append(param["name"] + (f": {outlives}" if outlives else ""))
            elif kind == "type":
                if inner["is_synthetic"]:
                    continue
                bounds = self.bounds(inner["bounds"])
                default = f" = {self.ty(inner['default'])}" if inner["default"] else ""
                params.append(param["name"] + (f": {bounds}" if bounds else "") + default)
            elif kind == "const":
                default = f" = {inner['default']}" if inner["default"] else ""
                params.append(f"const {param['name']}: {self.ty(inner['type'])}{default}")
        return f"<{', '.join(params)}>" if params else ""

    def where(self, generics, outer=None):
        predicates = []
        if outer is not None:  # an impl's bounds, for the methods listed from it
            for param in outer["params"]:
                kind, inner = next(iter(param["kind"].items()))
                if kind == "type" and inner["bounds"]:
                    predicates.append(f"{param['name']}: {self.bounds(inner['bounds'])}")
            predicates += [self.predicate(p) for p in outer["where_predicates"]]
        predicates += [self.predicate(p) for p in generics["where_predicates"]]
        return f" where {', '.join(predicates)}" if predicates else ""

    def predicate(self, predicate):
        kind, inner = next(iter(predicate.items()))
        if kind == "bound_predicate":
            hrtb = self.hrtb(inner["generic_params"])
            return f"{hrtb}{self.ty(inner['type'])}: {self.bounds(inner['bounds'])}"
        if kind == "lifetime_predicate":
            return f"{inner['lifetime']}: {' + '.join(inner['outlives'])}"
        if kind == "eq_predicate":
            return f"{self.ty(inner['lhs'])} = {self.term(inner['rhs'])}"
        return json.dumps(predicate)

    def hrtb(self, params):
        if not params:
            return ""
        return f"for<{', '.join(p['name'] for p in params)}> "

    def bounds(self, bounds):
        out = []
        for bound in bounds:
            kind, inner = next(iter(bound.items()))
            if kind == "trait_bound":
                modifier = {"maybe": "?", "maybe_const": "~const "}.get(inner["modifier"], "")
                out.append(f"{self.hrtb(inner['generic_params'])}{modifier}"
                           f"{self.path(inner['trait'])}")
            elif kind == "outlives":
                out.append(inner)
            elif kind == "use":
                names = [next(iter(a.values())) if isinstance(a, dict) else a for a in inner]
                out.append(f"use<{', '.join(names)}>")
        return " + ".join(out)

    def path(self, path):
        return self.name(path["id"], path["path"]) + self.args(path["args"])

    def args(self, args):
        if not args:
            return ""
        kind, inner = next(iter(args.items())) if isinstance(args, dict) else (args, None)
        if kind == "angle_bracketed":
            out = []
            for arg in inner["args"]:
                if arg == "infer":
                    out.append("_")
                    continue
                k, v = next(iter(arg.items()))
                if k == "lifetime":
                    out.append(v)
                elif k == "type":
                    out.append(self.ty(v))
                elif k == "const":
                    out.append(v["expr"])
            for c in inner["constraints"]:
                name = c["name"] + self.args(c["args"])
                binding = c["binding"]
                if "equality" in binding:
                    out.append(f"{name} = {self.term(binding['equality'])}")
                else:
                    out.append(f"{name}: {self.bounds(binding['constraint'])}")
            return f"<{', '.join(out)}>" if out else ""
        if kind == "parenthesized":
            ret = f" -> {self.ty(inner['output'])}" if inner["output"] else ""
            return f"({', '.join(self.ty(t) for t in inner['inputs'])}){ret}"
        return "(..)"

    def term(self, term):
        if "type" in term:
            return self.ty(term["type"])
        return term["constant"]["expr"]

    def ty(self, ty):
        if ty == "infer":
            return "_"
        kind, inner = next(iter(ty.items()))
        if kind == "resolved_path":
            return self.path(inner)
        if kind in ("generic", "primitive"):
            return inner
        if kind == "borrowed_ref":
            lifetime = inner["lifetime"] + " " if inner["lifetime"] else ""
            return f"&{lifetime}{'mut ' if inner['is_mutable'] else ''}{self.ty(inner['type'])}"
        if kind == "raw_pointer":
            return f"*{'mut' if inner['is_mutable'] else 'const'} {self.ty(inner['type'])}"
        if kind == "tuple":
            items = [self.ty(t) for t in inner]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if kind == "slice":
            return f"[{self.ty(inner)}]"
        if kind == "array":
            return f"[{self.ty(inner['type'])}; {inner['len']}]"
        if kind == "dyn_trait":
            parts = [self.hrtb(t["generic_params"]) + self.path(t["trait"]) for t in inner["traits"]]
            if inner["lifetime"]:
                parts.append(inner["lifetime"])
            return f"dyn {' + '.join(parts)}"
        if kind == "impl_trait":
            return f"impl {self.bounds(inner)}"
        if kind == "function_pointer":
            sig = inner["sig"]
            args = ", ".join(self.ty(t) for _, t in sig["inputs"])
            ret = f" -> {self.ty(sig['output'])}" if sig["output"] else ""
            return f"{self.hrtb(inner['generic_params'])}fn({args}){ret}"
        if kind == "qualified_path":
            self_ty = self.ty(inner["self_type"])
            name = inner["name"] + self.args(inner["args"])
            if inner["trait"] is None:
                return f"{self_ty}::{name}"
            return f"<{self_ty} as {self.path(inner['trait'])}>::{name}"
        if kind == "pat":
            return f"{self.ty(inner['type'])} is {inner['__pat_unstable_do_not_use']}"
        return json.dumps(ty)

    def render(self):
        """Every line of the listing, with the key that orders it."""
        self.walk(self.root, [], set())
        return self.lines


def kind_of(item):
    inner = item["inner"]
    if isinstance(inner, str):
        return inner, None
    return next(iter(inner.items()))


def abi_name(abi):
    if isinstance(abi, dict):
        return next(iter(abi)).replace("_", "-")
    return abi


def listing():
    """The listing's lines, grouped by the item they belong to, a blank line between."""
    package, target_dir = cargo_metadata()
    features = {k: v for k, v in package["features"].items() if k != "default"}
    everything = set(features)
    full = Listing(rustdoc_json(package, target_dir, everything)).render()
    keys = dict(full)
    needs = {line: set() for line in full}
    excludes = {}
    for feature in sorted(features):
        without = everything - dependents(features, feature)
        lines = Listing(rustdoc_json(package, target_dir, without)).render()
        for line in full.keys() - lines.keys():
            needs[line].add(feature)
        for line in lines.keys() - full.keys():
            keys.setdefault(line, lines[line])
            excludes.setdefault(line, set()).add(feature)
    out, owner = [], None
    for line in sorted(keys, key=keys.get):
        if owner is not None and keys[line][0] != owner:
            out.append("")
        owner = keys[line][0]
        # A feature that another one listed turns on goes without saying.
        required = {f for f in needs.get(line, ())
                    if not any(g != f and g in dependents(features, f)
                               for g in needs[line])}
        note = ""
        if required:
            note += "  // feature " + " + ".join(f'"{f}"' for f in sorted(required))
        if line in excludes:
            note += "  // without feature " + " or ".join(f'"{f}"' for f in sorted(excludes[line]))
        out.append(line + note)
    return out


def main():
    bless = sys.argv[1:] == ["--bless"]
    if sys.argv[1:] not in ([], ["--bless"]):
        sys.exit(__doc__)
    lines = listing()
    text = "".join(line + "\n" for line in lines)
    if bless:
        with open(LISTING, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {os.path.relpath(LISTING, ROOT)}: {len(lines)} lines")
        return
    try:
        with open(LISTING, encoding="utf-8") as f:
            committed = f.read()
    except FileNotFoundError:
        committed = ""
    if committed == text:
        print(f"public API unchanged ({len(lines)} lines in {os.path.relpath(LISTING, ROOT)})")
        return
    rel = os.path.relpath(LISTING, ROOT)
    sys.stdout.writelines(difflib.unified_diff(
        committed.splitlines(keepends=True), text.splitlines(keepends=True),
        f"{rel} (committed)", f"{rel} (this tree)"))
    print(f"\nThe public API changed. If that is intended, run `python3 .ci/public_api.py "
          f"--bless` and commit {rel}: the diff above is what reviewers will see.")
    sys.exit(1)


if __name__ == "__main__":
    main()
