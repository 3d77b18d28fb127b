//! Reading a request body before the call runs: within its size limit, and
//! with data arriving steadily.
//!
//! A client that sends its head quickly and then trickles the body would
//! otherwise hold its connection (and a blocking handler slot after it) for
//! the whole request timeout. Each piece of the body must arrive within
//! [`BODY_IDLE_TIMEOUT`] of the one before; a stalled body is answered 408.

use std::time::Duration;

use axum::body::Body as HttpBody;
use axum::http::{HeaderMap, Response};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

use super::error::{ApiError, Class};
use crate::app::App;

/// Longest pause allowed between two pieces of a request body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// More than the limit, declared or sent.
    TooLarge { limit: usize },
    /// No data for [`BODY_IDLE_TIMEOUT`].
    Stalled,
    /// Broken framing (a bad chunk size, a connection cut mid-body).
    Broken,
}

/// Reads `body` whole, refusing more than `limit` bytes.
pub async fn read(body: HttpBody, limit: usize) -> Result<Bytes, BodyError> {
    read_with_idle_timeout(body, limit, BODY_IDLE_TIMEOUT).await
}

async fn read_with_idle_timeout(
    mut body: HttpBody,
    limit: usize,
    idle: Duration,
) -> Result<Bytes, BodyError> {
    let mut collected = BytesMut::new();
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => return Err(BodyError::Stalled),
            Ok(None) => return Ok(collected.freeze()),
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            if collected.len().saturating_add(data.len()) > limit {
                return Err(BodyError::TooLarge { limit });
            }
            collected.extend_from_slice(&data);
        }
    }
}

/// The answer to a body that was not read, in Kirby's error envelope.
pub fn refusal(app: &App, error: BodyError) -> Response<HttpBody> {
    let error = match error {
        // The limit is in the details so a client can tell which of
        // `folio.maxBodySize` and `folio.maxUploadSize` it hit.
        BodyError::TooLarge { limit } => {
            ApiError::message(Class::InvalidArgument, "The request body is too large")
                .status(413)
                .details(serde_json::json!({"limit": limit}))
        }
        BodyError::Stalled => ApiError::message(
            Class::InvalidArgument,
            "The request body arrived too slowly",
        )
        .status(408),
        BodyError::Broken => {
            ApiError::message(Class::InvalidArgument, "The request body could not be read")
        }
    };
    let (status, body) = super::call::error_reply(app, &error, None, &app.config.panel.language);
    super::build_response(status, HeaderMap::new(), body)
}

#[cfg(test)]
mod tests {
    use futures_util::stream;

    use super::*;

    fn chunks(parts: Vec<Result<&'static str, std::io::Error>>) -> HttpBody {
        HttpBody::from_stream(stream::iter(
            parts
                .into_iter()
                .map(|part| part.map(|text| Bytes::from_static(text.as_bytes()))),
        ))
    }

    #[tokio::test]
    async fn a_body_within_its_limit_is_read_whole() {
        let body = chunks(vec![Ok("ab"), Ok("cd")]);
        assert_eq!(read(body, 4).await, Ok(Bytes::from_static(b"abcd")));
    }

    #[tokio::test]
    async fn too_much_and_broken_bodies_are_told_apart() {
        let big = chunks(vec![Ok("ab"), Ok("cde")]);
        assert_eq!(read(big, 4).await, Err(BodyError::TooLarge { limit: 4 }));
        let broken = chunks(vec![Ok("ab"), Err(std::io::Error::other("cut"))]);
        assert_eq!(read(broken, 4).await, Err(BodyError::Broken));
    }

    #[tokio::test]
    async fn a_stalled_body_is_given_up() {
        let stalled = HttpBody::from_stream(stream::pending::<Result<Bytes, std::io::Error>>());
        let result = read_with_idle_timeout(stalled, 10, Duration::from_millis(50)).await;
        assert_eq!(result, Err(BodyError::Stalled));
    }
}
