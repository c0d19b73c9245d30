//! Subtitle files: WebVTT and SRT parsed into cues, and written back as WebVTT — the one
//! format browsers' `<track>` accepts. SRT uploads are converted on save, so learners
//! always get WebVTT; the cues also drive the interactive transcript.

use crate::error::DomainError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    /// Plain text: markup tags removed, entities decoded, lines joined with '\n'.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubtitleFormat {
    Vtt,
    Srt,
}

pub fn detect(text: &str) -> SubtitleFormat {
    if text.trim_start_matches('\u{feff}').starts_with("WEBVTT") {
        SubtitleFormat::Vtt
    } else {
        SubtitleFormat::Srt
    }
}

/// Parse WebVTT or SRT (detected from the header). Malformed cues are an error naming the
/// line, so an author learns what to fix instead of getting a silently empty track.
pub fn parse(text: &str) -> Result<Vec<Cue>, DomainError> {
    let text = text
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let format = detect(&text);
    let mut cues = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    if format == SubtitleFormat::Vtt {
        // Header block: everything up to the first blank line.
        for (_, line) in lines.by_ref() {
            if line.trim().is_empty() {
                break;
            }
        }
    }
    while let Some((n, line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        // Skip VTT NOTE/STYLE/REGION blocks.
        if format == SubtitleFormat::Vtt
            && (line.starts_with("NOTE") || line == "STYLE" || line == "REGION")
        {
            for (_, l) in lines.by_ref() {
                if l.trim().is_empty() {
                    break;
                }
            }
            continue;
        }
        let (timing_line_no, timing) = if line.contains("-->") {
            (n, line)
        } else {
            // An identifier (VTT) or a sequence number (SRT); the timing follows.
            match lines.next() {
                Some((m, l)) if l.contains("-->") => (m, l),
                _ => {
                    return Err(DomainError::new("lyceum-error-subtitles-malformed")
                        .with_arg((n + 1).to_string()));
                }
            }
        };
        let (start_ms, end_ms) = parse_timing(timing).ok_or_else(|| {
            DomainError::new("lyceum-error-subtitles-malformed")
                .with_arg((timing_line_no + 1).to_string())
        })?;
        let mut payload = Vec::new();
        while let Some((_, l)) = lines.peek() {
            if l.trim().is_empty() {
                break;
            }
            payload.push(plain_cue_text(l));
            lines.next();
        }
        cues.push(Cue {
            start_ms,
            end_ms,
            text: payload.join("\n"),
        });
    }
    if cues.is_empty() {
        return Err(DomainError::new("lyceum-error-subtitles-empty"));
    }
    Ok(cues)
}

fn parse_timing(line: &str) -> Option<(u64, u64)> {
    let (a, rest) = line.split_once("-->")?;
    let b = rest.split_whitespace().next()?;
    let start = parse_timestamp(a.trim())?;
    let end = parse_timestamp(b.trim())?;
    (end >= start).then_some((start, end))
}

/// `hh:mm:ss.ttt`, `mm:ss.ttt` (VTT) or `hh:mm:ss,ttt` (SRT).
fn parse_timestamp(s: &str) -> Option<u64> {
    let s = s.replace(',', ".");
    let (hms, frac) = s.split_once('.').unwrap_or((&s, "0"));
    if frac.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: u64 = format!("{frac:0<3}").parse().ok()?;
    let parts: Vec<&str> = hms.split(':').collect();
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| {
            if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect::<Option<_>>()?;
    let (h, m, sec) = match nums.as_slice() {
        [m, s] => (0, *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + millis)
}

fn plain_cue_text(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_tag = false;
    for c in line.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&amp;", "&")
}

fn format_timestamp(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        h,
        rest / 60_000,
        (rest % 60_000) / 1000,
        rest % 1000
    )
}

/// Write cues as WebVTT, escaping what the format treats as markup.
pub fn to_vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in cues {
        out.push('\n');
        out.push_str(&format_timestamp(cue.start_ms));
        out.push_str(" --> ");
        out.push_str(&format_timestamp(cue.end_ms));
        out.push('\n');
        let text = cue
            .text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        // A blank line would end the cue early.
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Parse and normalise any accepted subtitle file to WebVTT.
pub fn normalize_to_vtt(text: &str) -> Result<String, DomainError> {
    parse(text).map(|cues| to_vtt(&cues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srt_converts_to_vtt() {
        let srt = "1\r\n00:00:01,000 --> 00:00:03,500\r\nBonjour <i>et</i> bienvenue\r\n\r\n2\r\n00:00:04,000 --> 00:00:06,000\r\nLigne un\r\nLigne deux & trois\r\n";
        let vtt = normalize_to_vtt(srt).unwrap();
        assert_eq!(
            vtt,
            "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nBonjour et bienvenue\n\n00:00:04.000 --> 00:00:06.000\nLigne un\nLigne deux &amp; trois\n"
        );
    }

    #[test]
    fn vtt_with_header_notes_ids_and_short_timestamps() {
        let vtt = "\u{feff}WEBVTT - demo\nKind: captions\n\nNOTE a comment\nspanning lines\n\nintro\n00:01.000 --> 00:02.000 align:start\n<v Ada>Hello &amp; welcome</v>\n\n01:00:00.000 --> 01:00:01.5\nأهلا\n";
        let cues = parse(vtt).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(
            cues[0],
            Cue {
                start_ms: 1000,
                end_ms: 2000,
                text: "Hello & welcome".into()
            }
        );
        assert_eq!(cues[1].start_ms, 3_600_000);
        assert_eq!(cues[1].end_ms, 3_601_500);
        assert_eq!(cues[1].text, "أهلا");
    }

    #[test]
    fn malformed_timing_names_the_line() {
        let err = parse("WEBVTT\n\n00:00:01.000 --> banana\nText\n").unwrap_err();
        assert_eq!(err.key.0, "lyceum-error-subtitles-malformed");
        assert_eq!(err.args, vec!["3".to_string()]);
    }

    #[test]
    fn end_before_start_and_bad_minutes_are_rejected() {
        assert!(parse("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nx\n").is_err());
        assert!(parse("WEBVTT\n\n00:61:00.000 --> 00:62:00.000\nx\n").is_err());
    }

    #[test]
    fn empty_files_are_rejected() {
        assert_eq!(
            parse("WEBVTT\n\n").unwrap_err().key.0,
            "lyceum-error-subtitles-empty"
        );
        assert_eq!(parse("").unwrap_err().key.0, "lyceum-error-subtitles-empty");
    }

    #[test]
    fn round_trip_is_stable() {
        let once = normalize_to_vtt("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\na < b\n").unwrap();
        assert_eq!(normalize_to_vtt(&once).unwrap(), once);
    }
}
