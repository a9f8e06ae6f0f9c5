//! The echo loop of the examples, on either codec, that ends in a Close 1001 (going
//! away) when the server shuts down. tests/shutdown.rs runs it too.

use axum_ws_handshake::deflate::DeflateWebSocket;
use axum_ws_handshake::deflate::Message as DeflateMessage;
use axum_ws_handshake::{ShutdownSignal, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The reason sent with the Close 1001.
pub const GOING_AWAY: &str = "server shutting down";

/// Why [`echo_until_shutdown`] returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// The client closed, or the connection failed.
    Client,
    /// The server's shutdown started: the caller sends the Close 1001.
    GoingAway,
}

/// Echoes data messages until the client closes or the server shuts down, for either
/// codec: `is_data` tells text and binary messages from control frames. Pings are
/// answered and the client's Close is replied to by the codec while the stream is
/// polled, so the loop runs until the stream ends rather than returning on the first
/// Close: returning early would drop the socket before the Close reply is sent.
pub async fn echo_until_shutdown<S, M, E>(
    socket: &mut S,
    mut going_away: ShutdownSignal,
    is_data: fn(&M) -> bool,
) -> Ended
where
    S: Stream<Item = Result<M, E>> + Sink<M> + Unpin,
{
    loop {
        tokio::select! {
            // In this order, without a random draw per wake-up; the signal first, so
            // that a client sending without pause cannot hold it off.
            biased;
            () = &mut going_away => return Ended::GoingAway,
            message = socket.next() => match message {
                Some(Ok(message)) => {
                    if is_data(&message) && socket.send(message).await.is_err() {
                        return Ended::Client;
                    }
                }
                _ => return Ended::Client,
            },
        }
    }
}

/// [`echo_until_shutdown`] on tokio-tungstenite; on shutdown, the Close 1001 and the
/// close handshake (read on until the client's Close ends the stream).
pub async fn echo(socket: &mut WebSocket) -> Ended {
    let going_away = socket.get_ref().shutdown_signal();
    let is_data = |m: &Message| m.is_text() || m.is_binary();
    let ended = echo_until_shutdown(socket, going_away, is_data).await;
    if ended == Ended::GoingAway {
        let away = CloseFrame {
            code: CloseCode::Away,
            reason: GOING_AWAY.into(),
        };
        let _ = socket.close(Some(away)).await;
        while let Some(Ok(_)) = socket.next().await {}
    }
    ended
}

/// [`echo`] on the codec that implements permessage-deflate: messages arrive
/// decompressed and are compressed on the way back.
#[allow(dead_code)] // the TLS example offers no deflate
pub async fn echo_deflate(socket: &mut DeflateWebSocket) -> Ended {
    let going_away = socket.shutdown_signal();
    let is_data = |m: &DeflateMessage| m.is_text() || m.is_binary();
    let ended = echo_until_shutdown(socket, going_away, is_data).await;
    if ended == Ended::GoingAway {
        let _ = socket.close(1001, GOING_AWAY).await;
        while let Some(Ok(_)) = socket.next().await {}
    }
    ended
}
