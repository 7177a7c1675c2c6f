//! Compiling Solidity offline with a pinned compiler.
//!
//! The generated verifier pins `pragma solidity 0.8.19`. We drive the compiler through its
//! standard-JSON interface, either solcjs (the npm package `solc@0.8.19`, pinned in
//! `tools/solc/package.json`, run by Node) or a native `solc` binary. The optimizer stays off:
//! the verifier is hand-scheduled Yul and solc 0.8.19's optimizer reports "stack too deep" on it.

use crate::error::{Result, VerifierError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The compiler version the generated contracts are written for.
pub const SOLC_VERSION: &str = "0.8.19";

/// Environment variable naming the compiler: a native `solc` binary, or a directory holding
/// `node_modules/solc` (solcjs).
pub const SOLC_ENV: &str = "ZKINFER_SOLC";

/// Output of compiling one contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Creation (deployment) bytecode.
    pub creation: Vec<u8>,
    /// Runtime bytecode, what EIP-170 limits.
    pub runtime: Vec<u8>,
    /// The contract's ABI as JSON.
    pub abi: Value,
}

/// A located compiler.
#[derive(Clone, Debug)]
pub enum Compiler {
    /// A native `solc` executable.
    Native(PathBuf),
    /// A directory whose `node_modules` holds the npm package `solc`.
    SolcJs(PathBuf),
}

impl Compiler {
    /// Finds a compiler: `$ZKINFER_SOLC`, else `tools/solc` (after `npm ci --prefix tools/solc`)
    /// in the repository this binary was built from.
    ///
    /// # Errors
    /// [`VerifierError::Solc`] with install instructions when none is found.
    pub fn locate() -> Result<Self> {
        if let Some(p) = std::env::var_os(SOLC_ENV) {
            let p = PathBuf::from(p);
            return if p.is_dir() {
                Self::solcjs_in(&p).ok_or_else(|| {
                    VerifierError::Solc(format!(
                        "{SOLC_ENV}={} has no node_modules/solc; run `npm ci` there",
                        p.display()
                    ))
                })
            } else if p.is_file() {
                Ok(Self::Native(p))
            } else {
                Err(VerifierError::Solc(format!("{SOLC_ENV}={} does not exist", p.display())))
            };
        }
        // Only the repository this binary was built from: picking up a `node_modules` from the
        // working directory would run whatever JavaScript an untrusted checkout ships.
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Self::solcjs_in(&repo.join("tools").join("solc")).ok_or_else(|| {
            VerifierError::Solc(format!(
                "no Solidity compiler found. Install the pinned solcjs with \
                     `npm ci --prefix tools/solc` in the zkinfer repository (needs Node.js), or \
                     set {SOLC_ENV} to a solc {SOLC_VERSION} binary or to a directory holding \
                     node_modules/solc"
            ))
        })
    }

    fn solcjs_in(dir: &Path) -> Option<Self> {
        dir.join("node_modules/solc/soljson.js").is_file().then(|| Self::SolcJs(dir.to_path_buf()))
    }

    /// Compiles `source` (one file) and returns `contract`.
    ///
    /// # Errors
    /// [`VerifierError::Solc`] when the compiler cannot run or reports errors.
    pub fn compile(&self, source: &str, contract: &str) -> Result<Compiled> {
        self.compile_all(source)?.remove(contract).ok_or_else(|| {
            VerifierError::Solc(format!("no contract {contract} in the compiler output"))
        })
    }

    /// Compiles `source` (one file) and returns every contract in it by name.
    ///
    /// # Errors
    /// [`VerifierError::Solc`] when the compiler cannot run or reports errors.
    pub fn compile_all(&self, source: &str) -> Result<BTreeMap<String, Compiled>> {
        let input = json!({
            "language": "Solidity",
            "sources": { "Contract.sol": { "content": source } },
            "settings": {
                "optimizer": { "enabled": false },
                "outputSelection": {
                    "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] }
                }
            }
        });
        let out = self.run(&input.to_string())?;
        let out: Value = serde_json::from_str(&out)
            .map_err(|e| VerifierError::Solc(format!("unreadable compiler output: {e}")))?;
        let errors: Vec<String> = out["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["severity"] == "error")
            .map(|e| e["formattedMessage"].as_str().unwrap_or("unknown error").to_string())
            .collect();
        if !errors.is_empty() {
            return Err(VerifierError::Solc(errors.join("\n")));
        }
        let Some(contracts) = out["contracts"]["Contract.sol"].as_object() else {
            return Err(VerifierError::Solc("no contracts in the compiler output".into()));
        };
        contracts
            .iter()
            .map(|(name, c)| {
                let bytes = |v: &Value, what: &str| {
                    let s = v.as_str().ok_or_else(|| {
                        VerifierError::Solc(format!("no {what} for contract {name} in the output"))
                    })?;
                    crate::hex::decode(s)
                        .map_err(|e| VerifierError::Solc(format!("{what} of {name}: {e}")))
                };
                let compiled = Compiled {
                    creation: bytes(&c["evm"]["bytecode"]["object"], "bytecode")?,
                    runtime: bytes(&c["evm"]["deployedBytecode"]["object"], "deployed bytecode")?,
                    abi: c["abi"].clone(),
                };
                Ok((name.clone(), compiled))
            })
            .collect()
    }

    fn run(&self, input: &str) -> Result<String> {
        let mut cmd = match self {
            Self::Native(bin) => {
                let mut c = Command::new(bin);
                c.arg("--standard-json");
                c
            }
            Self::SolcJs(dir) => {
                let mut c = Command::new("node");
                c.arg("-e").arg(SOLCJS_DRIVER).env("NODE_PATH", dir.join("node_modules"));
                c
            }
        };
        // The compiler needs none of our secrets: a receipt signing key in the environment
        // stays with us.
        let mut child = cmd
            .env_remove("ZKINFER_SIGNING_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                let what = match self {
                    Self::Native(bin) => bin.display().to_string(),
                    Self::SolcJs(_) => "node (Node.js runs the pinned solcjs)".to_string(),
                };
                VerifierError::Solc(format!("cannot start {what}: {e}"))
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(input.as_bytes())
                .map_err(|e| VerifierError::Solc(format!("writing to the compiler: {e}")))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| VerifierError::Solc(format!("compiler failed: {e}")))?;
        if !out.status.success() {
            return Err(VerifierError::Solc(format!(
                "compiler exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        String::from_utf8(out.stdout)
            .map_err(|e| VerifierError::Solc(format!("compiler output is not UTF-8: {e}")))
    }
}

/// Node program: standard JSON on stdin, standard JSON on stdout, refusing other versions.
const SOLCJS_DRIVER: &str = r#"
const solc = require('solc');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const v = solc.version();
  if (!v.startsWith('0.8.19')) {
    process.stderr.write('solcjs ' + v + ' found, 0.8.19 required');
    process.exit(2);
  }
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString('utf8')));
});
"#;
