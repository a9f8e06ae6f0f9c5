//! The socket of `on_websocket` reads ahead of tokio-tungstenite once messages arrive in
//! bulk: over real TCP, large messages, bursts of them, pauses in the middle of one and
//! frames sent in the same write as the handshake must all arrive intact and in order.
//! A raw client (tests/common's handshake and frames) writes exact bytes and reads the
//! echoes on a split connection, while it still writes.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use axum::routing::any;
use axum_ws_handshake::{WebSocket, WebSocketLayer, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::timeout;

use crate::common;
use common::{OP_BINARY, Req, TIMEOUT, client_frame};

async fn echo(ws: WebSocketUpgrade) -> Response {
    ws.on_websocket(|mut socket: WebSocket| async move {
        while let Some(Ok(message)) = socket.next().await {
            if (message.is_text() || message.is_binary()) && socket.send(message).await.is_err() {
                break;
            }
        }
    })
}

async fn serve() -> SocketAddr {
    common::serve(Router::new().route("/echo", any(echo).layer(WebSocketLayer::new()))).await
}

fn handshake(addr: SocketAddr) -> Vec<u8> {
    Req::handshake(addr, "/echo").bytes()
}

/// A masked binary frame.
fn frame(payload: &[u8]) -> Vec<u8> {
    client_frame(OP_BINARY, payload)
}

fn payload(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Reads the 101's head; panics on anything else.
async fn read_101<R: AsyncRead + Unpin>(reader: &mut R) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = timeout(TIMEOUT, reader.read_u8()).await.unwrap().unwrap();
        head.push(byte);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101 "),
        "{}",
        String::from_utf8_lossy(&head)
    );
}

/// Reads one unmasked binary frame's payload.
async fn read_binary<R: AsyncRead + Unpin>(reader: &mut R) -> Vec<u8> {
    timeout(TIMEOUT, async {
        let mut head = [0u8; 2];
        reader.read_exact(&mut head).await.unwrap();
        assert_eq!(head[0], 0x82, "a final binary frame");
        assert_eq!(head[1] & 0x80, 0, "unmasked");
        let len = match head[1] & 0x7f {
            126 => u64::from(reader.read_u16().await.unwrap()),
            127 => reader.read_u64().await.unwrap(),
            n => u64::from(n),
        };
        let mut payload = vec![0u8; len as usize];
        reader.read_exact(&mut payload).await.unwrap();
        payload
    })
    .await
    .expect("an echo in time")
}

/// A connection split in two: the echoes are read while the writer task still writes.
async fn connect(addr: SocketAddr) -> (BufReader<OwnedReadHalf>, OwnedWriteHalf) {
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (read, write) = stream.into_split();
    (BufReader::with_capacity(64 * 1024, read), write)
}

#[tokio::test]
async fn frames_in_the_handshakes_write_are_echoed_in_order() {
    let addr = serve().await;
    // Small, large (read ahead), small, and one spanning many chunks: all in the
    // handshake's own write, so hyper reads the first of them along with the request.
    let sizes = [5, 200_000, 125, 70_000, 0, 1_000_000, 3];
    let payloads: Vec<Vec<u8>> = sizes.iter().zip(1..).map(|(&n, s)| payload(n, s)).collect();
    let mut bytes = handshake(addr);
    for p in &payloads {
        bytes.extend(frame(p));
    }
    let (mut reader, mut writer) = connect(addr).await;
    let write = tokio::spawn(async move { writer.write_all(&bytes).await.map(|()| writer) });
    read_101(&mut reader).await;
    for expected in &payloads {
        assert_eq!(&read_binary(&mut reader).await, expected);
    }
    drop(write.await.unwrap().unwrap());
}

#[tokio::test]
async fn large_messages_written_in_pieces_with_pauses_arrive_whole() {
    let addr = serve().await;
    let (mut reader, mut writer) = connect(addr).await;
    writer.write_all(&handshake(addr)).await.unwrap();
    read_101(&mut reader).await;
    for (round, size) in [1 << 20, 16 * 1024, 64, 300_001, 4096, 4097, 65_536]
        .into_iter()
        .enumerate()
    {
        let expected = payload(size, round as u32 + 100);
        let bytes = frame(&expected);
        // Pieces of odd sizes with pauses: the server's reads come back full, short
        // and pending in every mix, and the frame header is split.
        for piece in bytes.chunks(1 + 37_000 * (round % 3) + 4_093) {
            writer.write_all(piece).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(
            read_binary(&mut reader).await,
            expected,
            "message {round}: {size} bytes"
        );
    }
}

#[tokio::test]
async fn a_burst_of_messages_then_small_ones_echo_in_order() {
    let addr = serve().await;
    let (mut reader, mut writer) = connect(addr).await;
    writer.write_all(&handshake(addr)).await.unwrap();
    read_101(&mut reader).await;
    let payloads: Vec<Vec<u8>> = (0..200)
        .map(|i| payload(if i < 100 { 20_000 + i } else { i }, i as u32))
        .collect();
    let bytes: Vec<u8> = payloads.iter().flat_map(|p| frame(p)).collect();
    let write = tokio::spawn(async move { writer.write_all(&bytes).await.map(|()| writer) });
    for (i, expected) in payloads.iter().enumerate() {
        assert_eq!(&read_binary(&mut reader).await, expected, "message {i}");
    }
    drop(write.await.unwrap().unwrap());
}

/// The same over tokio-tungstenite's client, with its own framing and masking.
#[tokio::test]
async fn tungstenite_client_round_trips_large_messages() {
    use tokio_tungstenite::tungstenite::Message;
    let addr = serve().await;
    let (mut client, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/echo"))
        .await
        .unwrap();
    for (i, size) in [3 << 20, 1, 100_000].into_iter().enumerate() {
        let data = payload(size, i as u32 + 7);
        client.send(Message::binary(data.clone())).await.unwrap();
        let echoed = timeout(TIMEOUT, client.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(echoed.into_data(), data, "message {i}");
    }
    client.close(None).await.unwrap();
}
