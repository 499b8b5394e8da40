//! The ports to boards, on tokio: a serial device through tokio-serial, a
//! TCP connection through tokio's. Each open port is two tasks on the
//! harness's runtime (one reads, one writes, so that neither can hold up the
//! other), and a [`LinkTransport`] is the replay's end of it: it hands bytes
//! to the writing task and takes what the reading task received, waiting
//! at most [`READ_POLL`]. The replay and the protocol's pump stay
//! synchronous (`HostConnection` is sans-IO); every port of a lab is served
//! by the same two worker threads, however many boards it has.

use super::transport::{Transport, READ_POLL};
use std::io::{Error, ErrorKind};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Worker threads of the harness's runtime: the ports' tasks only move
/// bytes, so two serve a lab of any size.
const WORKER_THREADS: usize = 2;

/// Bytes one read of a port may take.
const READ_BYTES: usize = 4_096;

/// How long opening a TCP connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The harness's runtime, started on first use.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("evm-harness-io")
            .enable_all()
            .build()
            .expect("the harness's runtime starts (threads and an I/O driver)")
    })
}

/// Runs `future` on the runtime and waits for it from synchronous code (the
/// main thread, a replay's blocking thread), never from a runtime worker.
pub fn wait_for<F>(future: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (sender, receiver) = mpsc::sync_channel(1);
    runtime().spawn(async move {
        let _ = sender.send(future.await);
    });
    receiver.recv().expect("a task on the harness's runtime runs to its end")
}

/// Opens a serial device (a board, a USB adapter, a pseudo-terminal).
pub fn open_serial(path: &str, baud: u32) -> Result<LinkTransport, tokio_serial::Error> {
    use tokio_serial::SerialPortBuilderExt;
    let _runtime = runtime().enter();
    let port = tokio_serial::new(path, baud).open_native_async()?;
    Ok(LinkTransport::start(port))
}

/// Connects to a board on TCP (ser2net, a board's own network stack).
pub fn connect_tcp(address: &str) -> std::io::Result<LinkTransport> {
    let address = address.to_owned();
    let stream = wait_for(async move {
        match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(address)).await {
            Ok(connected) => connected,
            Err(_) => Err(Error::new(ErrorKind::TimedOut, format!("no connection within {CONNECT_TIMEOUT:?}"))),
        }
    })?;
    stream.set_nodelay(true)?;
    let _runtime = runtime().enter();
    Ok(LinkTransport::start(stream))
}

/// The replay's end of an open port.
pub struct LinkTransport {
    to_board: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    from_board: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    /// Bytes received and not yet read.
    pending: Vec<u8>,
    /// Why the port ended, once it has: every later call says so.
    ended: Option<(ErrorKind, String)>,
    reading: tokio::task::JoinHandle<()>,
}

impl LinkTransport {
    /// Starts the port's two tasks; called inside the runtime's context.
    fn start<S: AsyncRead + AsyncWrite + Send + 'static>(stream: S) -> LinkTransport {
        let (mut reader, mut writer) = tokio::io::split(stream);
        let (to_board, mut outgoing) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        let (incoming, from_board) = mpsc::channel();
        let write_failed = incoming.clone();
        tokio::spawn(async move {
            while let Some(bytes) = outgoing.recv().await {
                let written = async {
                    writer.write_all(&bytes).await?;
                    writer.flush().await
                };
                if let Err(error) = written.await {
                    let _ = write_failed.send(Err(Error::new(error.kind(), format!("write: {error}"))));
                    return;
                }
            }
            // The replay's end is gone: the port closes with this task.
        });
        let reading = tokio::spawn(async move {
            let mut buffer = vec![0; READ_BYTES];
            loop {
                let received = match reader.read(&mut buffer).await {
                    Ok(0) => Err(Error::new(ErrorKind::UnexpectedEof, "the board closed the connection")),
                    Ok(count) => Ok(buffer[..count].to_vec()),
                    Err(error) => Err(Error::new(error.kind(), format!("read: {error}"))),
                };
                let failed = received.is_err();
                if incoming.send(received).is_err() || failed {
                    return;
                }
            }
        });
        LinkTransport { to_board, from_board, pending: Vec::new(), ended: None, reading }
    }

    fn ended_error(&self) -> Option<Error> {
        self.ended.as_ref().map(|(kind, message)| Error::new(*kind, message.clone()))
    }

    fn end(&mut self, error: Error) -> Error {
        self.ended = Some((error.kind(), error.to_string()));
        error
    }
}

impl Drop for LinkTransport {
    fn drop(&mut self) {
        // The writing task ends when `to_board` goes; the reading one waits
        // on the port and is stopped here.
        self.reading.abort();
    }
}

impl Transport for LinkTransport {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(error) = self.ended_error() {
            return Err(error);
        }
        self.to_board
            .send(bytes.to_vec())
            .map_err(|_| Error::new(ErrorKind::BrokenPipe, "the port's writing task has ended"))
    }

    fn receive(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if let Some(error) = self.ended_error() {
                return Err(error);
            }
            match self.from_board.recv_timeout(READ_POLL) {
                Ok(Ok(bytes)) => self.pending = bytes,
                Ok(Err(error)) => return Err(self.end(error)),
                Err(mpsc::RecvTimeoutError::Timeout) => return Ok(0),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(self.end(Error::new(ErrorKind::BrokenPipe, "the port's reading task has ended")))
                }
            }
        }
        let count = self.pending.len().min(buffer.len());
        buffer[..count].copy_from_slice(&self.pending[..count]);
        self.pending.drain(..count);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes go both ways through a TCP port, in order, and the port's end
    /// is reported as the board closing the connection.
    #[test]
    fn a_tcp_port_moves_bytes_both_ways_and_reports_its_end() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let board = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0; 5];
            stream.read_exact(&mut request).unwrap();
            stream.write_all(&request.map(|byte| byte + 1)).unwrap();
        });
        let mut port = connect_tcp(&address).unwrap();
        port.send(&[1, 2, 3, 4, 5]).unwrap();
        let mut received = Vec::new();
        let mut buffer = [0; 2];
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let ended = loop {
            assert!(std::time::Instant::now() < deadline, "no end within 5 s: {received:?}");
            match port.receive(&mut buffer) {
                Ok(count) => received.extend_from_slice(&buffer[..count]),
                Err(error) => break error,
            }
        };
        board.join().unwrap();
        assert_eq!(received, [2, 3, 4, 5, 6]);
        assert_eq!(ended.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(port.send(&[0]).unwrap_err().kind(), ErrorKind::UnexpectedEof, "later calls say it ended");
    }

    #[test]
    fn a_port_that_does_not_exist_says_so() {
        let error = open_serial("/dev/no-such-board", 115_200).err().expect("no such device");
        assert!(error.to_string().contains("No such file"), "{error}");
    }
}
