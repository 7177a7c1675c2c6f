//! `proof.json`: a proof with its public inputs and outputs, dequantized, and the identities it
//! is bound to. The dequantized values are checked against the proven integers when verifying, so
//! what a reader sees is what the proof attests.

use crate::artifact::hex;
use crate::error::{ProverError, Result};
use crate::instance;
use halo2_proofs::halo2curves::bn256::Fr;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkinfer_circuits::interface::{Interface, PackedBits, TensorSig};
use zkinfer_circuits::packing;
use zkinfer_quantize::eval::dequantize_value;
use zkinfer_quantize::{QGraph, Visibilities, Visibility, WeightVisibility};

/// File magic stored in `format`.
pub const PROOF_FORMAT: &str = "zkinfer-proof";
/// Current version (3 added public inputs, 4 hashed groups and the `visibility` field, 5
/// packed groups and `packed_bits`, 6 the model identity that covers the whole verifying key
/// and the integers of hashed outputs).
pub const PROOF_VERSION: u32 = 6;
/// Oldest version this zkinfer reads: earlier files name an identity that covered only part
/// of the verifying key, which a verifier cannot compare with today's.
pub const PROOF_MIN_VERSION: u32 = 6;

/// One model input or output the proof attests, dequantized.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenTensor {
    /// ONNX input or output name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Fixed-point scale exponent.
    pub scale: i32,
    /// Values = integer / 2^scale.
    pub values: Vec<f64>,
    /// The integers behind `values`, listed for hashed outputs only: the digest is over them,
    /// and an integer beyond 2^53 cannot be read back from its `f64`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub integers: Vec<i64>,
}

/// The proof file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// Format version.
    pub format_version: u32,
    /// zkinfer version that made the proof.
    pub tool_version: String,
    /// Circuit hash (hex).
    pub circuit_hash: String,
    /// The model identity (hex, see [`crate::identity`]): what the verifying key that checks
    /// this proof hashes to.
    pub model_identity: String,
    /// Circuit size.
    pub k: u32,
    /// How the inputs and the outputs appear among the instances (absent before version 4,
    /// where listed tensors were public and the others private).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibilities>,
    /// Digit width of packed groups (absent when nothing is packed).
    #[serde(default, skip_serializing_if = "PackedBits::is_none")]
    pub packed_bits: PackedBits,
    /// Public instances in canonical decimal (see [`crate::instance`]): the inputs' values,
    /// their packed words or their Poseidon digest, then the outputs' likewise.
    pub instances: Vec<String>,
    /// Dequantized public inputs (empty unless the settings made inputs public).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<ProvenTensor>,
    /// Dequantized outputs: public ones, or hashed ones (which must hash to their instance).
    pub outputs: Vec<ProvenTensor>,
    /// Hashed outputs withheld: the file lists none, only their digest (an instance) says
    /// what they are. The inner parts of a partitioned proof hand their activations on this
    /// way, so the bundle does not reveal them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outputs_withheld: bool,
    /// Proof bytes (hex).
    pub proof: String,
}

impl ProofFile {
    /// Builds the file from a proof, the graph it proves and the witness it was made from
    /// (hashed outputs are listed from it).
    #[must_use]
    pub fn new(
        q: &QGraph,
        instances: &[Fr],
        witness: &[Vec<i64>],
        proof: &[u8],
        circuit_hash: &[u8; 32],
        model_identity: &[u8; 32],
        k: u32,
    ) -> Self {
        let listed = |ids: &[usize], visibility: Visibility, output: bool| {
            let exact = visibility == Visibility::Hashed;
            if !visibility.is_listed(output) {
                return Vec::new();
            }
            ids.iter()
                .map(|&id| {
                    let t = &q.tensors[id];
                    let ints = witness.get(id).cloned().unwrap_or_default();
                    let values = ints.iter().map(|&x| dequantize_value(x, t.scale)).collect();
                    ProvenTensor {
                        name: t.name.clone(),
                        shape: t.shape.clone(),
                        scale: t.scale,
                        values,
                        integers: if exact { ints } else { Vec::new() },
                    }
                })
                .collect()
        };
        Self {
            format: PROOF_FORMAT.into(),
            format_version: PROOF_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            circuit_hash: hex(circuit_hash),
            model_identity: hex(model_identity),
            k,
            visibility: Some(q.visibility),
            packed_bits: PackedBits::of(q),
            instances: instances.iter().map(instance::to_decimal).collect(),
            inputs: listed(&q.inputs, q.visibility.input, false),
            outputs: listed(&q.outputs, q.visibility.output, true),
            outputs_withheld: false,
            proof: hex(proof),
        }
    }

    /// Drops the listed values of hashed outputs, keeping their digest: a file that proves
    /// what the outputs hash to without revealing them.
    ///
    /// # Errors
    /// [`ProverError::Format`] when the outputs are not hashed.
    pub fn withhold_outputs(&mut self) -> Result<()> {
        if self.effective_visibility().output != Visibility::Hashed {
            return Err(Self::malformed("only hashed outputs can be withheld".into()));
        }
        self.outputs.clear();
        self.outputs_withheld = true;
        Ok(())
    }

    /// Writes pretty JSON.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| ProverError::Format {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text)
            .map_err(|source| ProverError::Io { path: path.display().to_string(), source })
    }

    /// Reads and validates a proof file (see [`Self::check`]).
    ///
    /// # Errors
    /// Any malformed or inconsistent field, named.
    pub fn read(path: &Path) -> Result<Self> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ProverError::Io { path: p.clone(), source })?;
        Self::parse_text(&text).map_err(|reason| ProverError::Format { path: p, reason })
    }

    /// Parses and validates the text of a proof file (see [`Self::check`]).
    ///
    /// # Errors
    /// [`ProverError::Format`]: any malformed or inconsistent field, named.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_text(text).map_err(Self::malformed)
    }

    fn parse_text(text: &str) -> std::result::Result<Self, String> {
        let f: Self =
            serde_json::from_str(text).map_err(|e| format!("not a zkinfer proof file: {e}"))?;
        f.check_fields()?;
        Ok(f)
    }

    fn malformed(reason: String) -> ProverError {
        ProverError::Format { path: "proof file".into(), reason }
    }

    /// Checks the file is consistent: format and version, hex, canonical instances, and listed
    /// values that are exactly the proven ones (public values equal to their instances, packed
    /// ones packing to their words, hashed ones hashing to their digest). Verification runs it
    /// too, so a file built in memory (or deserialised by a library caller) cannot skip it.
    ///
    /// # Errors
    /// [`ProverError::Format`]: the first malformed or inconsistent field, named.
    pub fn check(&self) -> Result<()> {
        self.check_fields().map_err(Self::malformed)
    }

    fn check_fields(&self) -> std::result::Result<(), String> {
        let f = self;
        if f.format != PROOF_FORMAT {
            return Err(format!("format '{}' is not {PROOF_FORMAT}", f.format));
        }
        if f.format_version < PROOF_MIN_VERSION {
            return Err(format!(
                "proof format version {} was made by an older zkinfer, whose model identity \
                 covered only part of the verifying key; re-run `zkinfer setup` and prove again",
                f.format_version
            ));
        }
        if f.format_version > PROOF_VERSION {
            return Err(format!(
                "proof format version {} is newer than this zkinfer reads ({PROOF_VERSION}); \
                 upgrade zkinfer",
                f.format_version
            ));
        }
        crate::identity::parse_identity(&f.model_identity).map_err(|e| e.to_string())?;
        f.proof_hex()?;
        let inst = f.instance_fields()?;
        let visibility = f.effective_visibility();
        let mut at = 0;
        let groups = [
            ("input", &f.inputs, visibility.input, f.packed_bits.input),
            ("output", &f.outputs, visibility.output, f.packed_bits.output),
        ];
        for (kind, listed, vis, bits) in groups {
            if bits.is_some() != (vis == Visibility::Packed) {
                return Err(format!("packed_bits and the {kind}s' visibility {vis} disagree"));
            }
            if !vis.is_listed(kind == "output") && !listed.is_empty() {
                return Err(format!("{vis} {kind}s are listed in the file"));
            }
            let withheld = kind == "output" && f.outputs_withheld;
            if withheld && (vis != Visibility::Hashed || !listed.is_empty()) {
                return Err(format!(
                    "outputs_withheld is set, but the outputs are {vis} and {} listed",
                    listed.len()
                ));
            }
            // Hashed outputs list their integers (checked against their shape below); other
            // groups do not.
            if vis != Visibility::Hashed {
                if let Some(t) = listed.iter().find(|t| !t.integers.is_empty()) {
                    return Err(format!(
                        "{kind} '{}' lists integers ({vis} {kind}s do not)",
                        t.name
                    ));
                }
            }
            match vis {
                Visibility::Private => {}
                Visibility::Hashed => {
                    let digest = inst
                        .get(at)
                        .ok_or_else(|| format!("the hashed {kind}s have no matching instance"))?;
                    at += 1;
                    if kind == "output" && !withheld {
                        let ints = listed
                            .iter()
                            .map(|t| integers(t, kind))
                            .collect::<std::result::Result<Vec<_>, _>>()?
                            .concat();
                        if zkinfer_circuits::poseidon::digest_ints(&ints) != *digest {
                            return Err(
                                "the listed outputs do not hash to the proven output digest".into(),
                            );
                        }
                    }
                }
                Visibility::Packed => {
                    let bits = bits.unwrap_or(0);
                    if !packing::DIGIT_BITS.contains(&bits) {
                        return Err(format!("packed {kind}s: {bits} bits per value"));
                    }
                    let mut n = 0usize;
                    for t in listed {
                        n = n
                            .checked_add(elements(t, kind)?)
                            .ok_or_else(|| format!("the packed {kind}s' shapes overflow"))?;
                    }
                    let words = packing::words(n, bits);
                    let slice = at.checked_add(words).and_then(|end| inst.get(at..end));
                    // The proven integers, compared as dequantized values (the direction that
                    // is exact for every integer, also those beyond f64's 53 bits).
                    let ints = slice
                        .and_then(|s| packing::unpack(s, bits, n))
                        .ok_or_else(|| format!("the packed {kind}s have no matching instances"))?;
                    let values = listed.iter().flat_map(|t| t.values.iter().map(|v| (t.scale, v)));
                    let agree = values.zip(&ints).all(|((scale, v), &i)| {
                        i64::try_from(i)
                            .is_ok_and(|i| dequantize_value(i, scale).to_bits() == v.to_bits())
                    });
                    if !agree {
                        return Err(format!(
                            "the listed {kind}s do not pack to the proven instances"
                        ));
                    }
                    at += words;
                }
                Visibility::Public => {
                    for t in listed {
                        let n = elements(t, kind)?;
                        let slice = at.checked_add(n).and_then(|end| inst.get(at..end));
                        let slice = slice.ok_or_else(|| {
                            format!("{kind} '{}' has no matching instances", t.name)
                        })?;
                        let agree = t.values.iter().zip(slice).all(|(v, f)| {
                            instance::signed(f).and_then(|i| i64::try_from(i).ok()).is_some_and(
                                |i| dequantize_value(i, t.scale).to_bits() == v.to_bits(),
                            )
                        });
                        if !agree {
                            return Err(format!(
                                "{kind} '{}' values do not match the proven instances",
                                t.name
                            ));
                        }
                        at += n;
                    }
                }
            }
        }
        if visibility.weights == WeightVisibility::Hashed {
            if at >= inst.len() {
                return Err("the hashed weights have no matching instance".into());
            }
            at += 1;
        }
        if at != inst.len() {
            return Err("instances and the public inputs and outputs differ in length".into());
        }
        Ok(())
    }

    /// The file's visibility; files before version 4 do not record it: their listed groups were
    /// public, the others private, and weights always fixed.
    #[must_use]
    pub fn effective_visibility(&self) -> Visibilities {
        let listed = |ts: &[ProvenTensor]| {
            if ts.is_empty() {
                Visibility::Private
            } else {
                Visibility::Public
            }
        };
        self.visibility.unwrap_or(Visibilities {
            input: listed(&self.inputs),
            output: listed(&self.outputs),
            weights: WeightVisibility::Fixed,
            link: Visibility::Hashed,
        })
    }

    /// The digests among the instances (canonical decimal) of the hashed inputs, outputs and
    /// weights, each `None` when that group is not hashed.
    #[must_use]
    pub fn digests(&self) -> [Option<&str>; 3] {
        let v = self.effective_visibility();
        let size = |ts: &[ProvenTensor]| ts.iter().map(|t| t.values.len()).sum::<usize>();
        let mut at = 0;
        let mut take = |vis: Visibility, listed: usize, bits: Option<u32>| match vis {
            Visibility::Private => None,
            Visibility::Public => {
                at += listed;
                None
            }
            Visibility::Packed => {
                at += packing::words(listed, bits.unwrap_or(packing::WORD_BITS));
                None
            }
            Visibility::Hashed => {
                at += 1;
                self.instances.get(at - 1).map(String::as_str)
            }
        };
        let input = take(v.input, size(&self.inputs), self.packed_bits.input);
        let output = take(v.output, size(&self.outputs), self.packed_bits.output);
        let weights = match v.weights {
            WeightVisibility::Hashed => take(Visibility::Hashed, 0, None),
            _ => None,
        };
        [input, output, weights]
    }

    /// The instances of the inputs, the outputs and the weights, each group's words in order
    /// (empty for a private group): what links the parts of a bundle, whatever the link's
    /// visibility (one digest when hashed, the values when public, their words when packed).
    #[must_use]
    pub fn instance_groups(&self) -> [&[String]; 3] {
        let v = self.effective_visibility();
        let size = |ts: &[ProvenTensor]| ts.iter().map(|t| t.values.len()).sum::<usize>();
        let mut at = 0;
        let mut take = |vis: Visibility, listed: usize, bits: Option<u32>| {
            let n = match vis {
                Visibility::Private => 0,
                Visibility::Public => listed,
                Visibility::Packed => packing::words(listed, bits.unwrap_or(packing::WORD_BITS)),
                Visibility::Hashed => 1,
            };
            let group = self.instances.get(at..at + n).unwrap_or_default();
            at += n;
            group
        };
        let input = take(v.input, size(&self.inputs), self.packed_bits.input);
        let output = take(v.output, size(&self.outputs), self.packed_bits.output);
        let weights = match v.weights {
            WeightVisibility::Hashed => take(Visibility::Hashed, 0, None),
            _ => &[],
        };
        [input, output, weights]
    }

    /// Checks the file labels its instances as the circuit defines them: the visibility, and
    /// the names, shapes and scales of the listed tensors. A file could otherwise present, say,
    /// hashed inputs as hashed outputs, or rescale and rename public values.
    ///
    /// # Errors
    /// [`ProverError::Mismatch`]: the first difference, named.
    pub fn check_interface(&self, interface: &Interface) -> Result<()> {
        self.interface_difference(interface)
            .map_err(|detail| ProverError::Mismatch { what: "public interface".into(), detail })
    }

    fn interface_difference(&self, interface: &Interface) -> std::result::Result<(), String> {
        let visibility = self.effective_visibility();
        if visibility != interface.visibility {
            return Err(format!(
                "the file says inputs {} and outputs {}, the circuit makes them {} and {}",
                visibility.input,
                visibility.output,
                interface.visibility.input,
                interface.visibility.output
            ));
        }
        if self.packed_bits != interface.packed_bits {
            return Err(format!(
                "the file packs {:?} bits per value, the circuit {:?} (inputs, outputs)",
                (self.packed_bits.input, self.packed_bits.output),
                (interface.packed_bits.input, interface.packed_bits.output),
            ));
        }
        let groups = [
            ("inputs", &self.inputs, &interface.inputs, visibility.input.is_listed(false)),
            (
                "outputs",
                &self.outputs,
                &interface.outputs,
                visibility.output.is_listed(true) && !self.outputs_withheld,
            ),
        ];
        let show = |ts: &[TensorSig]| {
            let each: Vec<String> =
                ts.iter().map(|t| format!("{} {:?} 2^-{}", t.name, t.shape, t.scale)).collect();
            each.join(", ")
        };
        for (kind, file, circuit, listed) in groups {
            let expected: &[TensorSig] = if listed { circuit } else { &[] };
            let file: Vec<TensorSig> = file
                .iter()
                .map(|t| TensorSig { name: t.name.clone(), shape: t.shape.clone(), scale: t.scale })
                .collect();
            if file != expected {
                return Err(format!(
                    "the file lists {kind} [{}], the circuit's are [{}] (name, shape and scale \
                     must match)",
                    show(&file),
                    show(expected),
                ));
            }
        }
        Ok(())
    }

    /// The public tensors in instance order, each with its kind ("input" or "output"):
    /// listed tensors whose values are instances themselves (not hashed or packed ones).
    pub fn public_tensors(&self) -> impl Iterator<Item = (&'static str, &ProvenTensor)> {
        let v = self.effective_visibility();
        let inputs = self.inputs.iter().filter(move |_| v.input == Visibility::Public);
        let outputs = self.outputs.iter().filter(move |_| v.output == Visibility::Public);
        inputs.map(|t| ("input", t)).chain(outputs.map(|t| ("output", t)))
    }

    /// Instances as field elements.
    ///
    /// # Errors
    /// [`ProverError::Format`]: an entry that is not a canonical decimal field element.
    pub fn instance_values(&self) -> Result<Vec<Fr>> {
        self.instance_fields().map_err(Self::malformed)
    }

    /// Proof bytes.
    ///
    /// # Errors
    /// [`ProverError::Format`]: malformed hex.
    pub fn proof_bytes(&self) -> Result<Vec<u8>> {
        self.proof_hex().map_err(Self::malformed)
    }

    fn instance_fields(&self) -> std::result::Result<Vec<Fr>, String> {
        self.instances.iter().map(|s| instance::parse(s).map_err(|e| e.to_string())).collect()
    }

    fn proof_hex(&self) -> std::result::Result<Vec<u8>, String> {
        crate::artifact::unhex(&self.proof).map_err(|e| format!("proof: {e}"))
    }
}

/// The number of elements of a listed tensor's shape, which its values must match.
fn elements(t: &ProvenTensor, kind: &str) -> std::result::Result<usize, String> {
    let n = t.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    match n {
        Some(n) if n == t.values.len() => Ok(n),
        _ => Err(format!(
            "{kind} '{}' lists {} values for shape {:?}",
            t.name,
            t.values.len(),
            t.shape
        )),
    }
}

/// The integers of a hashed output (its `integers`, as many as its shape holds), checked
/// against its listed values in the exact direction: each value is its integer dequantized,
/// bit for bit, which holds for integers beyond f64's 53 bits too.
fn integers(t: &ProvenTensor, kind: &str) -> std::result::Result<Vec<i128>, String> {
    let n = elements(t, kind)?;
    if t.integers.len() != n {
        return Err(format!(
            "{kind} '{}' lists {} integers for {n} values",
            t.name,
            t.integers.len()
        ));
    }
    for (&i, v) in t.integers.iter().zip(&t.values) {
        if dequantize_value(i, t.scale).to_bits() != v.to_bits() {
            return Err(format!(
                "{kind} '{}' value {v} is not its integer {i} at 2^-{}",
                t.name, t.scale
            ));
        }
    }
    Ok(t.integers.iter().map(|&i| i128::from(i)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::halo2curves::ff::Field;

    /// A file whose outputs are packed with 60-bit digits (no proof: reading checks the file).
    fn packed_file(ints: &[i64], words: &[Fr]) -> ProofFile {
        ProofFile {
            format: PROOF_FORMAT.into(),
            format_version: PROOF_VERSION,
            tool_version: "test".into(),
            circuit_hash: "00".into(),
            model_identity: "00".repeat(32),
            k: 10,
            visibility: Some(Visibilities { output: Visibility::Packed, ..Default::default() }),
            packed_bits: PackedBits { input: None, output: Some(60) },
            instances: words.iter().map(instance::to_decimal).collect(),
            inputs: Vec::new(),
            outputs_withheld: false,
            outputs: vec![ProvenTensor {
                name: "y".into(),
                shape: vec![ints.len()],
                scale: 3,
                values: ints.iter().map(|&i| dequantize_value(i, 3)).collect(),
                integers: Vec::new(),
            }],
            proof: "00".into(),
        }
    }

    fn read(f: &ProofFile) -> std::result::Result<ProofFile, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("proof.json");
        f.write(&path).map_err(|e| e.to_string())?;
        ProofFile::read(&path).map_err(|e| e.to_string())
    }

    #[test]
    fn packed_values_beyond_53_bits_read_back_and_foreign_words_do_not() {
        // 2^55 + 1 is not an f64: the listed value is rounded, and still names the integer.
        let ints = [(1i64 << 55) + 1, -(1 << 58), 7, 0];
        let words =
            packing::pack(&ints.iter().map(|&i| i128::from(i)).collect::<Vec<_>>(), 60).unwrap();
        assert_eq!(words.len(), 1);
        read(&packed_file(&ints, &words)).unwrap();
        // The third value, 7, as 8 (a change below the listed f64's precision, in the first
        // value, would be invisible in the file: the instances are what the proof binds).
        let mut other = words.clone();
        other[0] += packing::pow2(120);
        let err = read(&packed_file(&ints, &other)).unwrap_err();
        assert!(err.contains("do not pack"), "{err}");
        let err = read(&packed_file(&ints, &[-Fr::ONE])).unwrap_err();
        assert!(err.contains("no matching instances"), "{err}");
        let mut huge = packed_file(&ints, &words);
        huge.outputs[0].shape = vec![usize::MAX, 3];
        let err = read(&huge).unwrap_err();
        assert!(err.contains("for shape"), "{err}");
    }

    #[test]
    fn hashed_outputs_beyond_53_bits_read_back_by_their_integers() {
        let ints = [(1i64 << 55) + 1, -(1 << 60) - 3, 7];
        let digest = zkinfer_circuits::poseidon::digest_ints(
            &ints.iter().map(|&i| i128::from(i)).collect::<Vec<_>>(),
        );
        let mut f = packed_file(&ints, &[digest]);
        f.visibility = Some(Visibilities { output: Visibility::Hashed, ..Default::default() });
        f.packed_bits = PackedBits::default();
        f.outputs[0].integers = ints.to_vec();
        read(&f).unwrap();
        // (2^55 + 1) and 2^55 list the same f64: only the integer tells them apart.
        let mut other = f.clone();
        other.outputs[0].integers[0] -= 1;
        assert_eq!(other.outputs[0].values, f.outputs[0].values);
        let err = read(&other).unwrap_err();
        assert!(err.contains("do not hash"), "{err}");
        let mut off = f.clone();
        off.outputs[0].values[2] = 8.0 / 8.0;
        let err = read(&off).unwrap_err();
        assert!(err.contains("is not its integer"), "{err}");
        let mut missing = f;
        missing.outputs[0].integers.clear();
        let err = read(&missing).unwrap_err();
        assert!(err.contains("lists 0 integers for 3 values"), "{err}");
    }

    #[test]
    fn withheld_outputs_keep_only_their_digest() {
        let ints = [3i64, -4];
        let digest = zkinfer_circuits::poseidon::digest_ints(&[3, -4]);
        let mut f = packed_file(&ints, &[digest]);
        f.visibility = Some(Visibilities { output: Visibility::Hashed, ..Default::default() });
        f.packed_bits = PackedBits::default();
        f.outputs[0].integers = ints.to_vec();
        let mut withheld = f.clone();
        withheld.withhold_outputs().unwrap();
        let back = read(&withheld).unwrap();
        assert!(back.outputs_withheld && back.outputs.is_empty());
        assert_eq!(back.digests()[1], Some(f.instances[0].as_str()));
        // The flag does not excuse listed values from their digest, nor apply to other groups.
        let mut both = f.clone();
        both.outputs_withheld = true;
        let err = read(&both).unwrap_err();
        assert!(err.contains("outputs_withheld is set"), "{err}");
        let words = packing::pack(&[3, -4], 60).unwrap();
        let err = packed_file(&ints, &words).withhold_outputs().unwrap_err().to_string();
        assert!(err.contains("only hashed outputs"), "{err}");
    }
}
