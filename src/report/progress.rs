//! The main type here is [`Progress`]: one line on a terminal that follows a whole run, fed by
//! the runner's [`Event`]s: the rows, valid-request checks and properties done out of their
//! totals, the failures so far, the check under way and an estimate of the time left.
//!
//! Not for: reports (see `run`), or deciding anything about the target. The caller decides
//! whether to show it at all ([`show_progress`]: stderr is a terminal and not CI) and whether
//! in colour ([`colour_wanted`]: `--color`, `NO_COLOR`).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::check::CheckKind;
use crate::run::{Event, RowVerdict};

/// When to colour: `auto` colours a terminal unless `NO_COLOR` is set to a non-empty value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColourChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour: `always` and `never` are final; `auto` colours a terminal unless
/// `no_color` (the `NO_COLOR` variable) is set and not empty.
pub fn colour_wanted(
    choice: ColourChoice,
    is_terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
) -> bool {
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// Whether a progress line belongs on stderr: a terminal, and not a CI log (`CI` unset).
pub fn show_progress(stderr_is_terminal: bool, ci: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && ci.is_none()
}

/// The time left if the checks still to do take as long, on average, as those done.
/// `None` until something is done.
pub fn eta(elapsed: Duration, done: usize, total: usize) -> Option<Duration> {
    if done == 0 {
        return None;
    }
    let left = total.saturating_sub(done) as u32;
    Some(elapsed / done as u32 * left)
}

/// Done out of total, per kind of check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Count {
    done: usize,
    total: usize,
}

#[derive(Debug, Default)]
struct State {
    rows: Count,
    valid: Count,
    properties: Count,
    failed: usize,
    current: String,
    /// The width of the last line drawn, to blank it out.
    drawn: usize,
}

impl State {
    fn done(&self) -> usize {
        self.rows.done + self.valid.done + self.properties.done
    }

    fn total(&self) -> usize {
        self.rows.total + self.valid.total + self.properties.total
    }
}

/// A progress line for one run, written to `out` (stderr in the binary) after every event.
pub struct Progress<W: Write + Send> {
    state: Mutex<(State, W)>,
    start: Instant,
    colour: bool,
    width: usize,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl<W: Write + Send> Progress<W> {
    /// A progress line for a run that will check `properties` pairs of a vendor and a property
    /// after its rows (so that the first estimate counts them), `width` columns wide.
    pub fn new(out: W, colour: bool, properties: usize, width: usize) -> Self {
        let state = State {
            properties: Count {
                done: 0,
                total: properties,
            },
            ..State::default()
        };
        Progress {
            state: Mutex::new((state, out)),
            start: Instant::now(),
            colour,
            width: width.max(40),
        }
    }

    /// Takes one event of the runner and redraws the line.
    pub fn on_event(&self, event: &Event<'_>) {
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        let (state, out) = &mut *guard;
        match event {
            Event::Started { rows, endpoints } => {
                state.rows.total = *rows;
                state.valid.total = *endpoints;
            }
            Event::CheckStarted(id) => state.current = id.to_string(),
            Event::Finished(check) => {
                match check.kind {
                    CheckKind::Row => state.rows.done += 1,
                    CheckKind::Valid => state.valid.done += 1,
                    // Counted by vendor and property, when `PropertyChecked` closes them.
                    CheckKind::Property => {}
                }
                state.failed += usize::from(check.verdict == RowVerdict::Failed);
            }
            Event::PropertiesStarted { checks } => state.properties.total = *checks,
            Event::PropertyChecked(_) => state.properties.done += 1,
        }
        let line = self.line(state, self.start.elapsed());
        let visible = visible_width(&line);
        let blank = " ".repeat(state.drawn.saturating_sub(visible));
        state.drawn = visible;
        let _ = write!(out, "\r{line}{blank}");
        let _ = out.flush();
    }

    /// Blanks the line, so that the report starts on a clean one.
    pub fn finish(&self) {
        if let Ok(mut guard) = self.state.lock() {
            let (state, out) = &mut *guard;
            if state.drawn > 0 {
                let _ = write!(out, "\r{}\r", " ".repeat(state.drawn));
                let _ = out.flush();
                state.drawn = 0;
            }
        }
    }

    fn paint(&self, colour: &str, text: &str) -> String {
        if self.colour {
            format!("{colour}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    /// `[#####.....] rows 40/101 · valid 0/25 · properties 0/24 · 1 failed · ETA 0:41 · id`,
    /// clipped to the width.
    fn line(&self, state: &State, elapsed: Duration) -> String {
        let (done, total) = (state.done(), state.total().max(1));
        let bar_width = 20;
        let filled = (done * bar_width / total).min(bar_width);
        let bar = format!(
            "[{}{}]",
            self.paint(GREEN, &"#".repeat(filled)),
            ".".repeat(bar_width - filled)
        );
        let count = |name: &str, c: Count| format!("{name} {}/{}", c.done, c.total);
        let mut parts = vec![
            count("rows", state.rows),
            count("valid", state.valid),
            count("properties", state.properties),
        ];
        if state.failed > 0 {
            parts.push(self.paint(RED, &format!("{} failed", state.failed)));
        }
        parts.push(match eta(elapsed, done, total) {
            Some(left) => format!("ETA {}", clock(left)),
            None => "ETA --".into(),
        });
        let head = format!("{bar} {}", parts.join(" · "));
        let room = self
            .width
            .saturating_sub(visible_width(&head) + 4)
            .min(state.current.chars().count());
        if room == 0 {
            return head;
        }
        let current: String = if room < state.current.chars().count() {
            let mut s: String = state.current.chars().take(room.saturating_sub(1)).collect();
            s.push('…');
            s
        } else {
            state.current.clone()
        };
        format!("{head} · {}", self.paint(DIM, &current))
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The columns a line takes on a terminal: its characters less the colour sequences.
fn visible_width(text: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckResult;
    use std::ffi::OsStr;

    fn row(id: &str, verdict: RowVerdict) -> CheckResult {
        let mut row = CheckResult::row("acme", id, "");
        row.verdict = verdict;
        row
    }

    /// Feeds a whole small run and returns each line drawn (the text after each `\r`).
    fn drawn(colour: bool, events: &[Event<'_>]) -> (Vec<String>, String) {
        let progress = Progress::new(Vec::new(), colour, 2, 200);
        for e in events {
            progress.on_event(e);
        }
        progress.finish();
        let (_, out) = progress.state.into_inner().unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines = text
            .split('\r')
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        (lines, text)
    }

    #[test]
    fn follows_rows_valid_checks_and_properties_with_the_current_check() {
        let failed = row("acme.auth.no-token", RowVerdict::Failed);
        let passed = row("acme.auth.bad-token", RowVerdict::Passed);
        let mut valid = CheckResult::valid("acme", "create");
        valid.verdict = RowVerdict::Passed;
        let mut property = CheckResult::property("acme", "unique", "users-email", "t");
        property.verdict = RowVerdict::Failed;
        let events = [
            Event::Started {
                rows: 2,
                endpoints: 1,
            },
            Event::CheckStarted("acme.auth.no-token"),
            Event::Finished(&failed),
            Event::CheckStarted("acme.auth.bad-token"),
            Event::Finished(&passed),
            Event::CheckStarted("acme.valid.create"),
            Event::Finished(&valid),
            Event::PropertiesStarted { checks: 2 },
            Event::CheckStarted("acme.unique"),
            Event::Finished(&property),
            Event::PropertyChecked("acme.unique"),
            Event::CheckStarted("acme.limit"),
            Event::PropertyChecked("acme.limit"),
        ];
        let (lines, text) = drawn(false, &events);
        assert_eq!(lines.len(), events.len(), "{lines:#?}");
        assert!(
            lines[1].contains("rows 0/2 · valid 0/1 · properties 0/2"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with("· acme.auth.no-token"), "{}", lines[1]);
        assert!(lines[1].contains("ETA --"), "{}", lines[1]);
        assert!(lines[2].contains("rows 1/2 · valid 0/1 · properties 0/2 · 1 failed · ETA "));
        assert!(lines[6].contains("rows 2/2 · valid 1/1"), "{}", lines[6]);
        assert!(lines[8].ends_with("acme.unique"), "{}", lines[8]);
        assert!(lines[9].contains("2 failed"), "{}", lines[9]);
        let last = &lines[events.len() - 1];
        assert!(
            last.starts_with("[####################] rows 2/2 · valid 1/1 · properties 2/2"),
            "{last}"
        );
        assert!(last.contains("ETA 0:00"), "{last}");
        assert!(!text.contains('\x1b'), "no colour was asked for: {text:?}");
        // The last thing written blanks the line for the report.
        assert!(text.ends_with(&format!("\r{}\r", " ".repeat(last.chars().count()))));
    }

    #[test]
    fn colour_only_when_asked() {
        let failed = row("acme.auth.no-token", RowVerdict::Failed);
        let events = [
            Event::Started {
                rows: 1,
                endpoints: 0,
            },
            Event::Finished(&failed),
        ];
        let (lines, _) = drawn(true, &events);
        assert!(
            lines[1].contains("\x1b[31m1 failed\x1b[0m"),
            "{:?}",
            lines[1]
        );
        assert!(lines[1].contains("\x1b[32m#"), "{:?}", lines[1]);
        let (plain, _) = drawn(false, &events);
        assert!(!plain.concat().contains('\x1b'));
    }

    #[test]
    fn no_color_and_the_choice_decide_colour() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(colour_wanted(ColourChoice::Auto, true, None));
        assert!(colour_wanted(ColourChoice::Auto, true, empty));
        assert!(!colour_wanted(ColourChoice::Auto, true, set));
        assert!(!colour_wanted(ColourChoice::Auto, false, None));
        assert!(!colour_wanted(ColourChoice::Never, true, None));
        assert!(colour_wanted(ColourChoice::Always, false, set));
        assert!(show_progress(true, None));
        assert!(!show_progress(false, None));
        assert!(!show_progress(true, Some(OsStr::new("true"))));
    }

    #[test]
    fn eta_scales_the_time_so_far() {
        assert_eq!(eta(Duration::from_secs(10), 0, 10), None);
        assert_eq!(
            eta(Duration::from_secs(10), 2, 10),
            Some(Duration::from_secs(40))
        );
        assert_eq!(eta(Duration::from_secs(10), 10, 10), Some(Duration::ZERO));
        assert_eq!(clock(Duration::from_secs(65)), "1:05");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
    }

    #[test]
    fn long_check_names_are_clipped_to_the_width() {
        let progress = Progress::new(Vec::new(), true, 0, 100);
        let name = "acme.a-very-long-row-id-that-goes-on-and-on-and-on-past-the-edge";
        progress.on_event(&Event::Started {
            rows: 1,
            endpoints: 0,
        });
        progress.on_event(&Event::CheckStarted(name));
        let (state, _) = &*progress.state.lock().unwrap();
        let line = progress.line(state, Duration::ZERO);
        assert!(visible_width(&line) <= 100, "{line}");
        assert!(line.contains("acme.a-very"), "{line}");
        assert!(line.contains('…'), "{line}");
    }
}
