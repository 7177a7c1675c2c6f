//! `zkinfer log`: an append-only, hash-chained log of receipts.

use std::path::PathBuf;
use zkinfer::internals::receipt_format::dsse::Envelope;
use zkinfer::internals::receipt_format::keys::Signer;
use zkinfer::internals::receipt_format::log::{self, Body, Trust};
use zkinfer::internals::receipt_format::statement::Statement;

/// `zkinfer log` subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Append receipts (each is checked to be a receipt; verify them with `receipt verify`).
    Append {
        /// The log file (created if missing).
        log: PathBuf,
        /// Receipt files.
        #[arg(required = true)]
        receipts: Vec<PathBuf>,
    },
    /// Append a checkpoint: the current head, signed.
    Checkpoint {
        /// The log file.
        log: PathBuf,
        /// Signing key file; default: the ZKINFER_SIGNING_KEY variable.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Verify the chain and name the first removed, reordered, inserted or edited entry.
    Verify {
        /// The log file.
        log: PathBuf,
        /// A head hash recorded earlier (e.g. printed by append): it must still be in the log.
        #[arg(long)]
        head: Option<String>,
        /// Key ids whose checkpoints count (repeatable).
        #[arg(long)]
        checkpoint_key: Vec<String>,
        /// Machine-readable result on stdout.
        #[arg(long)]
        json: bool,
    },
    /// List the entries (after verifying the chain).
    Show {
        /// The log file.
        log: PathBuf,
        /// Machine-readable entries on stdout.
        #[arg(long)]
        json: bool,
    },
}

pub fn main(c: &Command) -> anyhow::Result<()> {
    match c {
        Command::Append { log: path, receipts } => {
            for r in receipts {
                let env = Envelope::read(r)?;
                Statement::from_envelope(&env)?;
                let a = log::append_receipt(path, &env)?;
                if a.repaired_bytes > 0 {
                    eprintln!(
                        "note: removed {} bytes of an interrupted earlier append",
                        a.repaired_bytes
                    );
                }
                println!("appended {} as entry {}; head {}", r.display(), a.seq, a.hash);
            }
            Ok(())
        }
        Command::Checkpoint { log: path, key } => {
            let signer = Signer::from_file_or_env(key.as_deref())?;
            let a = log::append_checkpoint(path, &signer)?;
            println!("checkpoint entry {} signed by {}; head {}", a.seq, signer.key_id(), a.hash);
            Ok(())
        }
        Command::Verify { log: path, head, checkpoint_key, json } => {
            let trust = Trust { head: head.clone(), checkpoint_keys: checkpoint_key.clone() };
            let v = log::verify(path, &trust)?;
            if *json {
                println!(
                    "{}",
                    serde_json::json!({"verified": true, "entries": v.entries.len(), "head": v.head(), "torn_tail_bytes": v.torn_tail_bytes, "checkpoints": v.checkpoints})
                );
                return Ok(());
            }
            if v.torn_tail_bytes > 0 {
                eprintln!(
                    "warning: the last {} bytes are a torn entry (an interrupted append); the next \
                     append removes them",
                    v.torn_tail_bytes
                );
            }
            println!(
                "log verified: {} entries ({} checkpoints), head {}",
                v.entries.len(),
                v.checkpoints.len(),
                v.head()
            );
            Ok(())
        }
        Command::Show { log: path, json } => {
            let v = log::verify(path, &Trust::default())?;
            for (hash, e) in &v.entries {
                let what = match &e.body {
                    Body::Receipt { receipt, .. } => match Statement::from_envelope(receipt) {
                        Ok(s) => format!(
                            "receipt: {} by {}",
                            s.predicate.decision.describe(),
                            receipt
                                .signatures
                                .iter()
                                .map(|s| s.keyid.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Err(err) => format!("receipt (unreadable: {err})"),
                    },
                    Body::Checkpoint { checkpoint } => format!(
                        "checkpoint by {}",
                        checkpoint
                            .signatures
                            .iter()
                            .map(|s| s.keyid.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                if *json {
                    println!(
                        "{}",
                        serde_json::json!({"seq": e.seq, "hash": hash, "time": e.time, "summary": what})
                    );
                } else {
                    println!("{:>5}  {}  {}  {what}", e.seq, e.time, &hash[..16]);
                }
            }
            Ok(())
        }
    }
}
