//! The line-mode driver: a thin loop over a ceremony session. Lines in (messages, QR parts,
//! answers), outgoing messages out (one per line, for the other participants), prompts and
//! feedback to the person. Every rule of the ceremony lives in the session.

use std::io::BufRead;

use zeroize::Zeroizing;

use super::lines::{Input, Line};
use crate::excerpt::{bounded, PROBLEM_CHARS};
use crate::session::{Feedback, Outcome, PieceOutcome, Session, Stage};

/// Where a driver reads: the others' messages, and the person's answers to its questions. On
/// stdin both come as lines; with a camera, messages come from it and answers from stdin.
pub trait Lines {
    /// The next message (or a refused line); None at the end of input.
    fn message(&mut self) -> std::io::Result<Option<Line>>;
    /// The next line the person typed.
    fn answer(&mut self) -> std::io::Result<Option<Line>>;
}

impl<R: BufRead> Lines for Input<R> {
    fn message(&mut self) -> std::io::Result<Option<Line>> {
        self.next_line()
    }
    fn answer(&mut self) -> std::io::Result<Option<Line>> {
        self.next_line()
    }
}

/// Where a driver's output goes: protocol messages (stdout) and text for the person (stderr).
pub trait LineOutput {
    /// An outgoing message, on its own line.
    fn emit(&mut self, line: &str) -> anyhow::Result<()>;
    /// Text for the person at the terminal.
    fn say(&mut self, text: &str);
}

/// A key's passphrase, by the key's label, and whether asking again can help (a person at a
/// terminal) or a wrong one is final (a passphrase file).
pub type AskPassphrase<'a> = dyn FnMut(&str) -> anyhow::Result<(Zeroizing<String>, bool)> + 'a;

/// What the driver asks the person outside the message stream.
pub struct Answers<'a> {
    /// Approve the review and confirm the fingerprint without asking (scripts).
    pub yes: bool,
    /// The passphrase of an encrypted key.
    pub passphrase: &'a mut AskPassphrase<'a>,
}

fn say_feedback(out: &mut dyn LineOutput, feedback: &[Feedback]) {
    for f in feedback {
        if f.ok {
            out.say(&f.text);
        } else {
            say_error(out, &f.text);
        }
    }
}

/// A refusal, as one bounded line: whatever it quotes of the input cannot flood or repaint the
/// terminal.
fn say_error(out: &mut dyn LineOutput, problem: &str) {
    out.say(&format!(
        "error: {} (the ceremony goes on)",
        bounded(problem, 2 * PROBLEM_CHARS)
    ));
}

fn say_outcomes(out: &mut dyn LineOutput, outcomes: &[PieceOutcome]) {
    for o in outcomes {
        say_feedback(out, &o.feedback);
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "yes" | "y")
}

/// Whether a typed code is the fingerprint (case, spaces and dashes aside).
fn same_code(typed: &str, fingerprint: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
    };
    !norm(typed).is_empty() && norm(typed) == norm(fingerprint)
}

/// Whether a line is meant for the session rather than as an answer.
fn is_message(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('{') || t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("ur:"))
}

/// Runs `session` until it is over and returns how it ended. Refused input is reported and the
/// ceremony goes on; only the end of input, a decline or a failure stops it.
pub fn drive(
    session: &mut Session,
    input: &mut dyn Lines,
    out: &mut dyn LineOutput,
    answers: &mut Answers,
) -> anyhow::Result<Outcome> {
    let mut emitted = 0;
    let mut progress = String::new();
    let mut reviewed = false;
    let mut passphrase_tries = 0;
    loop {
        let view = session.view();
        for sent in &view.sent[emitted..] {
            out.emit(&sent.json)?;
            out.say(&format!(
                "Send the line above ({}) to {}.",
                sent.kind(),
                sent.to
            ));
        }
        emitted = view.sent.len();
        if matches!(view.stage, Stage::Collecting) && view.progress != progress {
            out.say(&format!("({})", view.progress));
            progress = view.progress.clone();
        }
        match view.stage {
            Stage::Collecting => match input.message()? {
                Some(Line::Text(line)) => say_outcomes(out, &session.line(&line)),
                Some(Line::Refused(why)) => say_error(out, &why.to_string()),
                None => {
                    say_outcomes(out, &session.end_of_input());
                    anyhow::bail!("input ended while the ceremony waited ({})", view.progress)
                }
            },
            Stage::Confirm { fingerprint } => {
                out.say(&format!(
                    "Round 1 fingerprint: {fingerprint}\n  Read it aloud and compare: every participant must see the same code."
                ));
                if answers.yes {
                    out.say("Confirmed with --yes.");
                    say_feedback(out, &session.confirm());
                    continue;
                }
                out.say("Type the code (or yes) if everyone sees it; anything else stops, and nothing more is sent:");
                match input.answer()? {
                    None => anyhow::bail!(
                        "input ended before the fingerprint was confirmed: nothing more was sent"
                    ),
                    // Binary garbage or an endless line is no answer: refused, then ask again.
                    Some(Line::Refused(why)) => say_error(out, &why.to_string()),
                    Some(Line::Text(line)) if is_yes(&line) || same_code(&line, &fingerprint) => {
                        say_feedback(out, &session.confirm())
                    }
                    // A fast participant's round-2 message: kept for later, then ask again.
                    Some(Line::Text(line)) if is_message(&line) => {
                        say_outcomes(out, &session.line(&line))
                    }
                    Some(Line::Text(_)) => {
                        session.decline();
                        anyhow::bail!(
                            "the fingerprint was not confirmed: nothing more was sent; compare the codes and start again"
                        )
                    }
                }
            }
            Stage::Review => {
                if !reviewed {
                    out.say("");
                    out.say(&format!("{} ({}):", view.question.heading, view.title));
                    for line in &view.review {
                        out.say(&format!("  {line}"));
                    }
                    out.say("");
                    reviewed = true;
                }
                if answers.yes {
                    out.say("Approved with --yes.");
                    say_feedback(out, &session.approve());
                    continue;
                }
                out.say(&format!(
                    "{} Type yes to approve; anything else declines:",
                    view.question.ask
                ));
                match input.answer()? {
                    Some(Line::Text(answer)) if is_yes(&answer) => {
                        say_feedback(out, &session.approve())
                    }
                    // Binary garbage or an endless line is no answer: refused, then ask again.
                    Some(Line::Refused(why)) => say_error(out, &why.to_string()),
                    // A message pasted with the one under review (a relay's lines) is no
                    // answer: the session keeps it, then the question is asked again.
                    Some(Line::Text(line)) if is_message(&line) => {
                        say_outcomes(out, &session.line(&line))
                    }
                    Some(Line::Text(_)) | None => session.decline(),
                }
            }
            Stage::Passphrase { key } => {
                passphrase_tries += 1;
                let (passphrase, retry) = (answers.passphrase)(&key)?;
                if passphrase_tries > 1 && !retry {
                    anyhow::bail!("key {key}: wrong passphrase");
                }
                anyhow::ensure!(
                    passphrase_tries <= 3,
                    "key {key}: wrong passphrase, three times"
                );
                session.provide_passphrase(passphrase);
            }
            Stage::Compute => say_feedback(out, &session.compute()),
            Stage::Done(outcome) => return Ok(outcome),
            Stage::Declined => anyhow::bail!("declined: nothing was signed or sent"),
            Stage::Failed(e) => anyhow::bail!("{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_compare_loosely() {
        assert!(same_code(
            "qt97 2z0t-h1zd-33qn-xppv",
            "QT97-2Z0T-H1ZD-33QN-XPPV"
        ));
        assert!(!same_code("QT97", "QT97-2Z0T-H1ZD-33QN-XPPV"));
        assert!(!same_code("", ""));
        assert!(is_message("  {\"a\":1}") && is_message("UR:PCLI-F1/X"));
        assert!(!is_message("yes"));
    }
}
