//! An append-only log of receipts: JSON lines, each `{"hash": H, "entry": E}` where `H` is the
//! SHA-256 of `E`'s bytes as written and `E` names its sequence number and the previous
//! entry's hash. Verification recomputes the chain and names the first entry that was removed,
//! reordered, inserted or edited; signed checkpoints (and a head hash kept elsewhere) also
//! catch a rewrite of the whole tail.
//!
//! Appends hold an exclusive lock on the file, write one whole line with `O_APPEND` and sync
//! it, so concurrent appenders are serialised; a crash mid-write leaves at most a torn last
//! line without its newline, which `verify` reports and skips, and the next append removes.

use crate::digest::sha256_hex;
use crate::dsse::Envelope;
use crate::error::{ReceiptError, Result};
use crate::keys::Signer;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// DSSE payload type of a checkpoint.
pub const CHECKPOINT_TYPE: &str = "application/vnd.zkinfer.log-checkpoint.v1+json";

/// One log entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// Hash of the previous entry ([`GENESIS`] for the first).
    pub prev: String,
    /// When it was appended (RFC 3339, UTC).
    pub time: String,
    /// What it records.
    #[serde(flatten)]
    pub body: Body,
}

/// What an entry records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Body {
    /// A receipt, whole.
    Receipt {
        /// SHA-256 of the receipt's compact JSON.
        receipt_sha256: String,
        /// The receipt.
        receipt: Envelope,
    },
    /// A signed statement that the log's head was `prev` at `seq`.
    Checkpoint {
        /// A DSSE envelope of [`CHECKPOINT_TYPE`] over a [`Checkpoint`].
        checkpoint: Envelope,
    },
}

/// What a checkpoint signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The checkpoint entry's own sequence number.
    pub seq: u64,
    /// The hash of the entry before it: the head it vouches for.
    pub head: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    hash: String,
    #[serde(borrow)]
    entry: &'a RawValue,
}

/// What an append wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The new entry's sequence number.
    pub seq: u64,
    /// Its hash: the log's new head.
    pub hash: String,
    /// Bytes of a torn line (an interrupted earlier append) removed first.
    pub repaired_bytes: u64,
}

/// Appends a receipt.
///
/// # Errors
/// [`ReceiptError::Io`], or [`ReceiptError::Log`] if the current last entry is not a valid
/// log line (run `verify`).
pub fn append_receipt(path: &Path, receipt: &Envelope) -> Result<Appended> {
    let receipt_sha256 = sha256_hex(receipt.to_json()?.as_bytes());
    append(path, |_, _| Ok(Body::Receipt { receipt_sha256, receipt: receipt.clone() }))
}

/// Appends a checkpoint signed by `signer`.
///
/// # Errors
/// As [`append_receipt`]; [`ReceiptError::Key`] if signing fails.
pub fn append_checkpoint(path: &Path, signer: &Signer) -> Result<Appended> {
    append(path, |seq, head| {
        let payload = serde_json::to_vec(&Checkpoint { seq, head: head.to_string() })
            .map_err(|e| ReceiptError::format("checkpoint", e.to_string()))?;
        Ok(Body::Checkpoint { checkpoint: Envelope::sign(CHECKPOINT_TYPE, &payload, &[signer])? })
    })
}

fn append(path: &Path, body: impl FnOnce(u64, &str) -> Result<Body>) -> Result<Appended> {
    let io = |e| ReceiptError::io(path, e);
    let mut file = File::options().read(true).append(true).create(true).open(path).map_err(io)?;
    file.lock().map_err(io)?;
    let repaired_bytes = drop_torn_tail(&mut file).map_err(io)?;
    let (seq, prev) = match last_line(&mut file).map_err(io)? {
        None => (0, GENESIS.to_string()),
        Some(line) => {
            let (hash, entry) = parse_line(&line).map_err(|reason| log_error(path, &reason))?;
            let next = entry.seq.checked_add(1).ok_or_else(|| {
                log_error(path, "the last entry's sequence number is at its maximum")
            })?;
            (next, hash)
        }
    };
    let entry = Entry {
        seq,
        prev: prev.clone(),
        time: crate::time::now_rfc3339(),
        body: body(seq, &prev)?,
    };
    let entry = serde_json::to_string(&entry)
        .map_err(|e| ReceiptError::format("log entry", e.to_string()))?;
    let hash = sha256_hex(entry.as_bytes());
    let line = format!("{{\"hash\":\"{hash}\",\"entry\":{entry}}}\n");
    // One write of the whole line: with O_APPEND it lands after every earlier line, and a
    // crash can only leave a prefix of it, which has no newline.
    file.write_all(line.as_bytes()).and_then(|()| file.sync_data()).map_err(io)?;
    Ok(Appended { seq, hash, repaired_bytes })
}

/// Truncates a final line that has no newline (an interrupted append); returns its length.
fn drop_torn_tail(file: &mut File) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    if len == 0 || byte_at(file, len - 1)? == b'\n' {
        return Ok(0);
    }
    let keep = match rfind_newline(file, len - 1)? {
        Some(pos) => pos + 1,
        None => 0,
    };
    // A whole, valid entry that lacks only its newline is completed, not dropped.
    let mut tail = vec![0u8; usize::try_from(len - keep).unwrap_or(0)];
    file.seek(SeekFrom::Start(keep))?;
    file.read_exact(&mut tail)?;
    if std::str::from_utf8(&tail).ok().is_some_and(|t| parse_line(t).is_ok()) {
        file.write_all(b"\n")?;
        file.sync_data()?;
        return Ok(0);
    }
    file.set_len(keep)?;
    file.sync_data()?;
    Ok(len - keep)
}

fn byte_at(file: &mut File, pos: u64) -> std::io::Result<u8> {
    let mut b = [0u8];
    file.seek(SeekFrom::Start(pos))?;
    file.read_exact(&mut b)?;
    Ok(b[0])
}

/// Position of the last `\n` before `end`, reading backwards in blocks.
fn rfind_newline(file: &mut File, end: u64) -> std::io::Result<Option<u64>> {
    let mut hi = end;
    let mut buf = vec![0u8; 64 * 1024];
    while hi > 0 {
        let lo = hi.saturating_sub(buf.len() as u64);
        let n = usize::try_from(hi - lo).unwrap_or(buf.len());
        file.seek(SeekFrom::Start(lo))?;
        file.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            return Ok(Some(lo + i as u64));
        }
        hi = lo;
    }
    Ok(None)
}

/// The last whole line (without its newline), if any. The file must end with a newline.
fn last_line(file: &mut File) -> std::io::Result<Option<String>> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    let start = rfind_newline(file, len - 1)?.map_or(0, |p| p + 1);
    let mut bytes = vec![0u8; usize::try_from(len - 1 - start).unwrap_or(0)];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut bytes)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Parses a line and checks its hash; returns the hash and the entry.
fn parse_line(line: &str) -> std::result::Result<(String, Entry), String> {
    let l: Line<'_> =
        serde_json::from_str(line).map_err(|e| format!("not a log line ({e}); edited?"))?;
    let raw = l.entry.get();
    let entry: Entry = serde_json::from_str(raw).map_err(|e| format!("not a log entry ({e})"))?;
    // Entries are written in one canonical form: anything else (a duplicated key another
    // reader might resolve differently, reordered fields) was not written by an append.
    if serde_json::to_string(&entry).ok().as_deref() != Some(raw) {
        return Err(format!(
            "entry {} is not in the form appends write it: it was edited",
            entry.seq
        ));
    }
    if sha256_hex(raw.as_bytes()) != l.hash {
        return Err(format!(
            "entry {} does not hash to its recorded hash: it was edited",
            entry.seq
        ));
    }
    Ok((l.hash, entry))
}

fn log_error(path: &Path, reason: &str) -> ReceiptError {
    ReceiptError::Log { path: path.display().to_string(), reason: reason.to_string() }
}

/// What a verifier pins beyond the log itself.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// A head hash recorded elsewhere earlier: it must still be in the log.
    pub head: Option<String>,
    /// Keys whose checkpoints count; with any given, every checkpoint must be by one of them.
    pub checkpoint_keys: Vec<String>,
}

/// A verified log.
#[derive(Clone, Debug, Default)]
pub struct Verified {
    /// Entries, in order, with their hashes.
    pub entries: Vec<(String, Entry)>,
    /// Bytes of a torn last line (an interrupted append), skipped.
    pub torn_tail_bytes: u64,
    /// The checkpoints' positions and signers.
    pub checkpoints: Vec<(u64, Vec<String>)>,
    /// Entries after the last checkpoint (all of them when there is none): what no signed
    /// head vouches for yet.
    pub unvouched: u64,
}

impl Verified {
    /// Hash of the last entry (or [`GENESIS`] for an empty log).
    #[must_use]
    pub fn head(&self) -> &str {
        self.entries.last().map_or(GENESIS, |(h, _)| h.as_str())
    }
}

/// Verifies the whole chain.
///
/// # Errors
/// [`ReceiptError::Log`] naming the first bad entry and what was done to it.
pub fn verify(path: &Path, trust: &Trust) -> Result<Verified> {
    let file = File::open(path).map_err(|e| ReceiptError::io(path, e))?;
    let mut reader = BufReader::new(file);
    let mut out = Verified::default();
    let mut prev = GENESIS.to_string();
    let mut buf = Vec::new();
    for line_no in 1u64.. {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| ReceiptError::io(path, e))?;
        if n == 0 {
            break;
        }
        let whole = buf.last() == Some(&b'\n');
        let body = if whole { &buf[..n - 1] } else { &buf[..] };
        if !whole && std::str::from_utf8(body).ok().is_none_or(|t| parse_line(t).is_err()) {
            out.torn_tail_bytes = n as u64;
            break;
        }
        let bad = |reason: String| log_error(path, &format!("line {line_no}: {reason}"));
        let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8; edited?".into()))?;
        let (hash, entry) = parse_line(text).map_err(bad)?;
        let expected = out.entries.len() as u64;
        if entry.seq != expected {
            return Err(bad(format!(
                "holds entry {} where entry {expected} belongs: entries were removed, inserted or \
                 reordered here",
                entry.seq
            )));
        }
        if entry.prev != prev {
            return Err(bad(format!(
                "entry {expected} does not chain to the entry before it (prev {} ≠ {prev}): an \
                 entry before it was replaced or rewritten",
                entry.prev
            )));
        }
        if !crate::time::is_rfc3339(&entry.time) {
            return Err(bad(format!(
                "entry {expected}: time '{}' is not RFC 3339 UTC",
                entry.time
            )));
        }
        match &entry.body {
            Body::Receipt { receipt_sha256, receipt } => {
                if &sha256_hex(receipt.to_json()?.as_bytes()) != receipt_sha256 {
                    return Err(bad(format!(
                        "entry {expected}: the receipt does not match its digest"
                    )));
                }
            }
            Body::Checkpoint { checkpoint } => {
                let signers = check_checkpoint(checkpoint, expected, &prev, trust)
                    .map_err(|r| bad(format!("checkpoint {expected}: {r}")))?;
                out.checkpoints.push((expected, signers));
            }
        }
        prev.clone_from(&hash);
        out.entries.push((hash, entry));
    }
    let vouched = out.checkpoints.last().map_or(0, |(seq, _)| seq + 1);
    out.unvouched = out.entries.len() as u64 - vouched;
    if !trust.checkpoint_keys.is_empty() && out.checkpoints.is_empty() && !out.entries.is_empty() {
        return Err(log_error(
            path,
            "no checkpoint by a trusted key: nothing vouches for this chain (it may have been \
             rebuilt from its first entry)",
        ));
    }
    if let Some(head) = &trust.head {
        let head = head.trim_start_matches("0x").to_ascii_lowercase();
        if head != GENESIS && !out.entries.iter().any(|(h, _)| *h == head) {
            return Err(log_error(
                path,
                &format!(
                    "the pinned head {head} is not in the log: entries were removed from its end \
                     or the log was rewritten"
                ),
            ));
        }
    }
    Ok(out)
}

fn check_checkpoint(
    env: &Envelope,
    seq: u64,
    head: &str,
    trust: &Trust,
) -> std::result::Result<Vec<String>, String> {
    if env.payload_type != CHECKPOINT_TYPE {
        return Err(format!("payload type '{}' is not a checkpoint", env.payload_type));
    }
    let payload = env.payload_bytes().map_err(|e| e.to_string())?;
    let c: Checkpoint = serde_json::from_slice(&payload).map_err(|e| e.to_string())?;
    if c.seq != seq || c.head != head {
        return Err(format!(
            "signed for entry {} with head {}, but stands at entry {seq} after head {head}",
            c.seq, c.head
        ));
    }
    let signers = env.signers().map_err(|e| e.to_string())?;
    if !trust.checkpoint_keys.is_empty()
        && !signers.iter().any(|s| trust.checkpoint_keys.iter().any(|k| k.eq_ignore_ascii_case(s)))
    {
        return Err(format!("signed by {}, none of the trusted keys", signers.join(", ")));
    }
    Ok(signers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Scheme;

    fn receipt(i: u8) -> Envelope {
        let k = Signer::generate(Scheme::Ed25519);
        Envelope::sign("application/x-test", &[i], &[&k]).unwrap()
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path).unwrap().lines().map(String::from).collect()
    }

    fn write_lines(path: &Path, lines: &[String]) {
        std::fs::write(path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    }

    fn log_of(n: u8) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.jsonl");
        for i in 0..n {
            let a = append_receipt(&path, &receipt(i)).unwrap();
            assert_eq!(a.seq, u64::from(i));
        }
        (dir, path)
    }

    fn err(path: &Path) -> String {
        verify(path, &Trust::default()).unwrap_err().to_string()
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let (_d, path) = log_of(4);
        let v = verify(&path, &Trust::default()).unwrap();
        assert_eq!(v.entries.len(), 4);
        let good = lines(&path);

        let mut removed = good.clone();
        removed.remove(1);
        write_lines(&path, &removed);
        assert!(
            err(&path).contains("line 2: holds entry 2 where entry 1 belongs"),
            "{}",
            err(&path)
        );

        let mut reordered = good.clone();
        reordered.swap(1, 2);
        write_lines(&path, &reordered);
        assert!(err(&path).contains("line 2"), "{}", err(&path));

        let mut inserted = good.clone();
        inserted.insert(2, good[1].clone());
        write_lines(&path, &inserted);
        assert!(err(&path).contains("line 3"), "{}", err(&path));

        let mut edited = good.clone();
        edited[2] = edited[2].replacen("\"time\":\"2", "\"time\":\"1", 1);
        write_lines(&path, &edited);
        assert!(err(&path).contains("line 3: entry 2 does not hash"), "{}", err(&path));

        let mut reformatted = good.clone();
        reformatted[2] = reformatted[2].replace("\"seq\":2", "\"seq\":2 ");
        write_lines(&path, &reformatted);
        assert!(err(&path).contains("line 3: entry 2 is not in the form"), "{}", err(&path));

        // An edit whose hash is recomputed is caught by the next entry's link.
        let mut rehashed = good.clone();
        let (_, entry) = parse_line(&good[1]).unwrap();
        let mut forged = entry.clone();
        forged.time = "2000-01-01T00:00:00Z".into();
        let raw = serde_json::to_string(&forged).unwrap();
        rehashed[1] = format!("{{\"hash\":\"{}\",\"entry\":{raw}}}", sha256_hex(raw.as_bytes()));
        write_lines(&path, &rehashed);
        assert!(err(&path).contains("line 3: entry 2 does not chain"), "{}", err(&path));

        // Dropping the tail is only visible against a head kept elsewhere.
        write_lines(&path, &good[..3]);
        let head = parse_line(&good[3]).unwrap().0;
        verify(&path, &Trust::default()).unwrap();
        let trust = Trust { head: Some(head), ..Trust::default() };
        assert!(verify(&path, &trust).unwrap_err().to_string().contains("pinned head"));
    }

    #[test]
    fn a_crash_mid_append_loses_only_the_torn_entry() {
        let (_d, path) = log_of(3);
        let good = std::fs::read(&path).unwrap();
        let (_d2, other) = log_of(4);
        let fourth = lines(&other).pop().unwrap();
        for cut in [1, fourth.len() / 2, fourth.len() - 1] {
            let mut torn = good.clone();
            torn.extend_from_slice(&fourth.as_bytes()[..cut]);
            std::fs::write(&path, &torn).unwrap();
            let v = verify(&path, &Trust::default()).unwrap();
            assert_eq!((v.entries.len(), v.torn_tail_bytes), (3, cut as u64));
            let a = append_receipt(&path, &receipt(9)).unwrap();
            assert_eq!((a.seq, a.repaired_bytes), (3, cut as u64));
            assert_eq!(verify(&path, &Trust::default()).unwrap().entries.len(), 4);
            std::fs::write(&path, &good).unwrap();
        }
    }

    #[test]
    fn a_whole_last_entry_without_its_newline_is_kept() {
        let (_d, path) = log_of(2);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        let v = verify(&path, &Trust::default()).unwrap();
        assert_eq!((v.entries.len(), v.torn_tail_bytes), (2, 0));
        let a = append_receipt(&path, &receipt(3)).unwrap();
        assert_eq!((a.seq, a.repaired_bytes), (2, 0));
        assert_eq!(verify(&path, &Trust::default()).unwrap().entries.len(), 3);
    }

    #[test]
    fn checkpoints_are_signed_heads() {
        let (_d, path) = log_of(2);
        let k = Signer::generate(Scheme::Secp256k1);
        let c = append_checkpoint(&path, &k).unwrap();
        assert_eq!(c.seq, 2);
        append_receipt(&path, &receipt(7)).unwrap();
        let trust = Trust { checkpoint_keys: vec![k.key_id()], ..Trust::default() };
        assert_eq!(verify(&path, &trust).unwrap().checkpoints, vec![(2, vec![k.key_id()])]);
        let stranger = Trust {
            checkpoint_keys: vec![Signer::generate(Scheme::Ed25519).key_id()],
            ..Trust::default()
        };
        assert!(verify(&path, &stranger).unwrap_err().to_string().contains("none of the trusted"));
        assert_eq!(verify(&path, &trust).unwrap().unvouched, 1);
        // A chain rebuilt without checkpoints vouches for nothing.
        let (_d2, rebuilt) = log_of(3);
        let err = verify(&rebuilt, &trust).unwrap_err().to_string();
        assert!(err.contains("no checkpoint by a trusted key"), "{err}");
    }

    #[test]
    fn concurrent_appenders_are_serialised() {
        let (_d, path) = log_of(0);
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let path = &path;
                s.spawn(move || {
                    for i in 0..5u8 {
                        append_receipt(path, &receipt(t * 10 + i)).unwrap();
                    }
                });
            }
        });
        assert_eq!(verify(&path, &Trust::default()).unwrap().entries.len(), 20);
    }
}
