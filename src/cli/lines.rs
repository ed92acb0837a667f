//! Line-mode I/O: protocol messages on stdout, people's text on stderr, input from stdin.

use std::io::{BufRead, Write};

/// The longest input line kept: 4 MiB. The largest message this program makes is a
/// `CoordinatorRound1` carrying a transaction plan; a plan's JSON is about as large as the
/// transaction it plans (both are mostly 32-byte values, base64 in one and proofs and
/// ciphertexts in the other), and CometBFT's default mempool refuses transactions over 1 MiB,
/// so 4 MiB holds any plan a chain would take, with room to spare. A longer line is read to its
/// end in chunks and dropped, never held whole. The same bound as a message that a terminal
/// wrapped over several lines may reach ([`crate::intake::MAX_PENDING`]).
pub const MAX_LINE_BYTES: usize = crate::intake::MAX_PENDING;

/// Prints a protocol message (or the final result) on its own line of stdout.
pub fn emit(line: &str) -> anyhow::Result<()> {
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    super::transport_cmd::on_emit(line)
}

/// Prints text for the person at the terminal.
pub fn say(text: impl AsRef<str>) {
    eprintln!("{}", text.as_ref());
}

/// Asks for messages, `what` in words ("the coordinator's first message"): to paste, or to
/// scan when they come from a camera.
pub fn ask_for(what: &str) {
    let verb = match super::transport_cmd::message_source() {
        super::camera_input::MessageSource::Stdin => "Paste",
        _ => "Scan",
    };
    say(format!("{verb} {what}"));
}

/// Drops what still waits to be read from a terminal when line mode ends. A relay pasted whole
/// runs on past the line that ends a ceremony (its last message, a "no"), and what is left
/// would reach the shell, which runs each line as a command: a relay's text must never be
/// able to do that. A paste may still be arriving, so input is read and dropped until the
/// terminal has been quiet for a moment (at most two seconds), then the rest is flushed.
/// Input that is not a terminal is left alone.
pub fn discard_pending_input() {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        use std::time::{Duration, Instant};

        let fd = std::io::stdin().as_raw_fd();
        // SAFETY: isatty, poll, read and tcflush on stdin's descriptor, which stays open for
        // the life of the process, with a buffer and a pollfd that outlive each call.
        unsafe {
            if libc::isatty(fd) != 1 {
                return;
            }
            let until = Instant::now() + Duration::from_secs(2);
            let mut buffer = [0u8; 4096];
            while Instant::now() < until {
                let mut ready = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                if libc::poll(&mut ready, 1, 150) != 1 {
                    break;
                }
                if libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) <= 0 {
                    break;
                }
            }
            libc::tcflush(fd, libc::TCIFLUSH);
        }
    }
}

/// One line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A non-blank line of text, trimmed.
    Text(String),
    /// A line that cannot be a message: it was read to its end and dropped.
    Refused(RefusedLine),
}

/// Why a line was dropped unread. Neither says anything of the line's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefusedLine {
    #[error("not a ceremony message: the line is not UTF-8 text (binary data?)")]
    NotUtf8,
    #[error(
        "not a ceremony message: the line is longer than {} MiB, far longer than any message",
        MAX_LINE_BYTES >> 20
    )]
    TooLong,
}

/// Incoming lines: one message per line; blank lines are skipped.
pub struct Input<R> {
    reader: R,
    buffer: Vec<u8>,
}

impl Input<std::io::StdinLock<'static>> {
    pub fn stdin() -> Self {
        Self::new(std::io::stdin().lock())
    }
}

impl<R: BufRead> Input<R> {
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buffer: Vec::new(),
        }
    }

    /// The next non-blank line, a refused line, or None at the end of input. Only a failure
    /// to read at all is an error.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        loop {
            let Some(complete) = read_bounded_line(&mut self.reader, &mut self.buffer)? else {
                return Ok(None);
            };
            if !complete {
                return Ok(Some(Line::Refused(RefusedLine::TooLong)));
            }
            let Ok(text) = std::str::from_utf8(&self.buffer) else {
                return Ok(Some(Line::Refused(RefusedLine::NotUtf8)));
            };
            let text = text.trim();
            if !text.is_empty() {
                return Ok(Some(Line::Text(text.to_string())));
            }
        }
    }
}

/// Reads one line (up to `\n`, which is dropped) into `buffer`, in the reader's chunks. Keeps at
/// most [`MAX_LINE_BYTES`]; the rest of a longer line is consumed and dropped. Returns whether
/// the line was kept whole, or None at the end of input.
fn read_bounded_line(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<bool>> {
    buffer.clear();
    let mut read_any = false;
    let mut overlong = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any.then_some(!overlong));
        }
        read_any = true;
        let (content, used, ends) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        if !overlong {
            if buffer.len() + content.len() > MAX_LINE_BYTES {
                overlong = true;
                *buffer = Vec::new();
            } else {
                buffer.extend_from_slice(content);
            }
        }
        reader.consume(used);
        if ends {
            return Ok(Some(!overlong));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Line> {
        let mut input = Input::new(std::io::BufReader::with_capacity(1024, input));
        std::iter::from_fn(|| input.next_line().unwrap()).collect()
    }

    fn text(s: &str) -> Line {
        Line::Text(s.to_string())
    }

    #[test]
    fn blank_lines_are_skipped_and_text_is_trimmed() {
        assert_eq!(
            lines(b"\n  a \r\n\n\tb\nc"),
            vec![text("a"), text("b"), text("c")]
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_is_refused_and_the_next_one_read() {
        assert_eq!(
            lines(b"one\n\xff\xfe\x00garbage\ntwo\n"),
            vec![
                text("one"),
                Line::Refused(RefusedLine::NotUtf8),
                text("two")
            ]
        );
    }

    #[test]
    fn an_overlong_line_is_refused_without_being_kept_and_the_next_one_read() {
        let mut input = b"before\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 1));
        input.extend(b"\nafter\n");
        let mut reader = Input::new(std::io::BufReader::with_capacity(4096, input.as_slice()));
        assert_eq!(reader.next_line().unwrap(), Some(text("before")));
        assert_eq!(
            reader.next_line().unwrap(),
            Some(Line::Refused(RefusedLine::TooLong))
        );
        assert!(
            reader.buffer.capacity() <= MAX_LINE_BYTES,
            "never held whole"
        );
        assert_eq!(reader.next_line().unwrap(), Some(text("after")));
        assert_eq!(reader.next_line().unwrap(), None);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_kept() {
        let mut input = vec![b'y'; MAX_LINE_BYTES];
        input.push(b'\n');
        let got = lines(&input);
        assert_eq!(got.len(), 1);
        assert!(matches!(&got[0], Line::Text(t) if t.len() == MAX_LINE_BYTES));
    }

    #[test]
    fn an_overlong_last_line_without_newline_is_refused() {
        let input = vec![b'z'; MAX_LINE_BYTES + 10];
        assert_eq!(lines(&input), vec![Line::Refused(RefusedLine::TooLong)]);
    }
}
