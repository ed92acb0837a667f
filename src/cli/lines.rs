//! Line-mode I/O: protocol messages on stdout, people's text on stderr, input from stdin.

use std::io::{BufRead, Write};

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

/// Incoming lines: one message per line; blank lines are skipped.
pub struct Input<R> {
    reader: R,
}

impl Input<std::io::StdinLock<'static>> {
    pub fn stdin() -> Self {
        Self {
            reader: std::io::stdin().lock(),
        }
    }
}

impl<R: BufRead> Input<R> {
    /// Lines from any reader (a test's script, say).
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// The next non-blank line, or None at the end of input.
    pub fn next_line(&mut self) -> anyhow::Result<Option<String>> {
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            let line = line.trim();
            if !line.is_empty() {
                return Ok(Some(line.to_string()));
            }
        }
    }

    /// Feeds lines to `handle` until it returns a value. A refused line is reported on stderr
    /// and the ceremony goes on; only the end of input stops it.
    pub fn until<T>(
        &mut self,
        waiting_for: &str,
        mut handle: impl FnMut(&str) -> Result<Option<T>, String>,
    ) -> anyhow::Result<T> {
        while let Some(line) = self.next_line()? {
            match handle(&line) {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(problem) => say(format!(
                    "error: {problem} (the ceremony goes on: paste again)"
                )),
            }
        }
        anyhow::bail!("input ended while waiting for {waiting_for}")
    }
}
