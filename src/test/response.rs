//! [`TestResponse`]: a response of the app under test, body read.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use http::Response;

/// A response of the service under test, its body read: what
/// [`Handshake::send`](super::Handshake::send) and [`TestClient::get`](super::TestClient::get)
/// return. It derefs to [`http::Response`], so `status()`, `headers()` and `body()` are at
/// hand; [`text`](Self::text) reads the body as text.
#[must_use]
pub struct TestResponse {
    response: Response<Bytes>,
}

impl TestResponse {
    pub(crate) fn new(response: Response<Bytes>) -> Self {
        Self { response }
    }

    /// The body as UTF-8 text, invalid sequences replaced (U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.response.body()).into_owned()
    }

    /// The response itself.
    pub fn into_inner(self) -> Response<Bytes> {
        self.response
    }
}

impl Deref for TestResponse {
    type Target = Response<Bytes>;

    fn deref(&self) -> &Response<Bytes> {
        &self.response
    }
}

impl fmt::Debug for TestResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.response, f)
    }
}
