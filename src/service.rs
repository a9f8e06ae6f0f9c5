//! The service the layer wraps around the router, and its response future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::response::Response;
use http::Request;
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::Negotiated;
use crate::answer::{self, Agreement};
use crate::config::Config;
use crate::on_error::{self, DefaultOnError, OnError};
use crate::policy::{ExtensionPolicy, OriginPolicy, SubprotocolPolicy};
use crate::read::upgrade_attempt;
use crate::trace;

/// The middleware made by [`WebSocketLayer`](crate::WebSocketLayer).
pub struct WebSocketService<S, O, P, E, H> {
    inner: S,
    config: Arc<Config<O, P, E, H>>,
}

impl<S, O, P, E, H> WebSocketService<S, O, P, E, H> {
    pub(crate) fn new(inner: S, config: Arc<Config<O, P, E, H>>) -> Self {
        Self { inner, config }
    }
}

impl<S: Clone, O, P, E, H> Clone for WebSocketService<S, O, P, E, H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            config: Arc::clone(&self.config),
        }
    }
}

impl<S: fmt::Debug, O, P, E, H> fmt::Debug for WebSocketService<S, O, P, E, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketService")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish()
    }
}

impl<S, B, O, P, E, H> Service<Request<B>> for WebSocketService<S, O, P, E, H>
where
    S: Service<Request<B>, Response = Response>,
    O: OriginPolicy,
    P: SubprotocolPolicy,
    E: ExtensionPolicy,
    H: OnError,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, H>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let Some(attempt) = upgrade_attempt(
            request.method(),
            request.version(),
            request.headers(),
            request.extensions(),
        ) else {
            return ResponseFuture::inner(self.inner.call(request));
        };
        let (mut parts, body) = request.into_parts();
        match self.config.negotiate(&parts, attempt) {
            Ok((negotiated, agreement)) => {
                // An outer layer's agreement is replaced: the innermost layer decides. Its
                // shutdown stays, unless this layer has one of its own.
                let nested = match parts.extensions.insert(negotiated) {
                    None => false,
                    Some(outer) => {
                        if let Some(inner) = parts.extensions.get_mut::<Negotiated>() {
                            inner.shutdown = inner.shutdown.take().or(outer.shutdown);
                        }
                        true
                    }
                };
                let future = self.inner.call(Request::from_parts(parts, body));
                // The default hook is a unit: no reference count to take for it.
                let on_error =
                    (!on_error::is_default::<H>()).then(|| Arc::clone(&self.config.on_error));
                ResponseFuture::accepted(future, agreement.nested(nested), on_error)
            }
            Err(error) => {
                trace::refused(&error, &parts);
                let response = on_error::respond(&*self.config.on_error, error, &parts);
                let nested = parts.extensions.get::<Negotiated>().is_some();
                ResponseFuture::refused(answer::settled(response, nested))
            }
        }
    }
}

pin_project! {
    /// The response future of [`WebSocketService`]: the inner service's, the inner
    /// service's answer to an accepted attempt checked, or a ready refusal. No boxing.
    pub struct ResponseFuture<F, H> {
        #[pin]
        kind: Kind<F, H>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, H> {
        Inner { #[pin] future: F },
        Accepted { #[pin] future: F, agreement: Option<(Agreement, Option<Arc<H>>)> },
        Refused { response: Option<Response> },
    }
}

impl<F, H> ResponseFuture<F, H> {
    fn inner(future: F) -> Self {
        Self {
            kind: Kind::Inner { future },
        }
    }

    fn accepted(future: F, agreement: Agreement, on_error: Option<Arc<H>>) -> Self {
        Self {
            kind: Kind::Accepted {
                future,
                agreement: Some((agreement, on_error)),
            },
        }
    }

    fn refused(response: Response) -> Self {
        Self {
            kind: Kind::Refused {
                response: Some(response),
            },
        }
    }
}

impl<F, H, Error> Future for ResponseFuture<F, H>
where
    F: Future<Output = Result<Response, Error>>,
    H: OnError,
{
    type Output = Result<Response, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Accepted { future, agreement } => {
                let response = std::task::ready!(future.poll(cx))?;
                let (agreement, on_error) = agreement
                    .take()
                    .expect("ResponseFuture polled after completion");
                Poll::Ready(Ok(match on_error {
                    Some(on_error) => agreement.check(response, &*on_error),
                    None => agreement.check(response, &DefaultOnError),
                }))
            }
            KindProj::Refused { response } => Poll::Ready(Ok(response
                .take()
                .expect("ResponseFuture polled after completion"))),
        }
    }
}

impl<F, H> fmt::Debug for ResponseFuture<F, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.kind {
            Kind::Inner { .. } => "Inner",
            Kind::Accepted { .. } => "Accepted",
            Kind::Refused { .. } => "Refused",
        };
        f.debug_tuple("ResponseFuture").field(&state).finish()
    }
}
