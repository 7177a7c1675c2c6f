//! ONNX external data: tensors whose bytes live in files beside the model (`location`,
//! `offset`, `length` keys), the layout today's `torch.onnx.export` writes by default
//! (`model.onnx` + `model.onnx.data`) and the only one for models over protobuf's 2 GB.
//!
//! A model file is untrusted input, so a location must be a relative path that stays inside
//! the model's directory (no `..`, no absolute paths, no links out of it), and every range
//! must lie within its file and hold exactly the bytes the tensor's shape and type need.

use crate::error::{ImportError, Result};
use crate::tensor::{numel, DType};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use tract_onnx::pb::{self, TensorProto};

/// `data_location` value of tensors stored in an external file.
const EXTERNAL: i32 = 1;

/// Whether any initializer or attribute tensor of the model keeps its data outside the file.
#[must_use]
pub fn has_external_data(proto: &pb::ModelProto) -> bool {
    let mut any = false;
    for_each_tensor(proto, &mut |t| any |= is_external(t));
    any
}

/// The files a model's external data lives in, relative to the model's directory, each once
/// and in order of first use: what must travel with the model file to another machine (a
/// distributed prover's worker) for it to load the same model with the same hash.
///
/// # Errors
/// [`ImportError::Malformed`] for an undecodable file, [`ImportError::ExternalData`] for a
/// location without a name or outside the model's directory.
pub fn external_files(path: &Path) -> Result<Vec<String>> {
    use prost::Message;
    let label = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|source| ImportError::Io { path: label.clone(), source })?;
    let proto = pb::ModelProto::decode(bytes.as_slice())
        .map_err(|e| ImportError::Malformed { path: label, reason: e.to_string() })?;
    let mut files: Vec<String> = Vec::new();
    let mut bad = None;
    for_each_tensor(&proto, &mut |t| {
        if !is_external(t) || bad.is_some() {
            return;
        }
        let location = t
            .external_data
            .iter()
            .find(|e| e.key == "location")
            .map(|e| e.value.clone())
            .unwrap_or_default();
        let plain = !location.is_empty()
            && Path::new(&location).components().all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            bad = Some(ImportError::ExternalData {
                tensor: t.name.clone(),
                location: location.clone(),
                reason: "the location must be a file name relative to the model's directory, \
                         without '..' or a root"
                    .into(),
            });
        } else if !files.contains(&location) {
            files.push(location);
        }
    });
    match bad {
        Some(e) => Err(e),
        None => Ok(files),
    }
}

fn is_external(t: &TensorProto) -> bool {
    !t.external_data.is_empty() || t.data_location == Some(EXTERNAL)
}

/// Visits every tensor of the main graph that can hold data: initializers and node attributes.
fn for_each_tensor(proto: &pb::ModelProto, f: &mut impl FnMut(&TensorProto)) {
    let Some(g) = &proto.graph else { return };
    g.initializer.iter().for_each(&mut *f);
    for n in &g.node {
        for a in &n.attribute {
            a.t.iter().chain(&a.tensors).for_each(&mut *f);
        }
    }
}

fn for_each_tensor_mut(
    proto: &mut pb::ModelProto,
    f: &mut impl FnMut(&mut TensorProto) -> Result<()>,
) -> Result<()> {
    let Some(g) = &mut proto.graph else { return Ok(()) };
    for t in &mut g.initializer {
        f(t)?;
    }
    for n in &mut g.node {
        for a in &mut n.attribute {
            for t in a.t.iter_mut().chain(a.tensors.iter_mut()) {
                f(t)?;
            }
        }
    }
    Ok(())
}

/// Reads every externally stored tensor of `proto` into its `raw_data`, from files relative to
/// `model_dir`, and feeds each tensor's name and bytes to `hasher` (so the model's hash covers
/// its weights wherever they are stored).
///
/// # Errors
/// [`ImportError::ExternalData`] for a location outside the model's directory, a missing
/// file, a range beyond the file's end, or a size that is not the tensor's.
pub fn load_external_data(
    proto: &mut pb::ModelProto,
    model_dir: &Path,
    hasher: &mut Sha256,
) -> Result<()> {
    let root = model_dir
        .canonicalize()
        .map_err(|source| ImportError::Io { path: model_dir.display().to_string(), source })?;
    let mut files: HashMap<PathBuf, (File, u64)> = HashMap::new();
    for_each_tensor_mut(proto, &mut |t| {
        if !is_external(t) {
            return Ok(());
        }
        let bytes = read_tensor(t, &root, &mut files)?;
        hasher.update(u64::try_from(t.name.len()).unwrap_or(u64::MAX).to_le_bytes());
        hasher.update(t.name.as_bytes());
        hasher.update(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_le_bytes());
        hasher.update(&bytes);
        t.raw_data = bytes;
        t.external_data.clear();
        t.data_location = Some(0);
        Ok(())
    })
}

/// Bytes of one element of an ONNX element type (`None` for types without a fixed width).
fn element_bytes(code: i32) -> Option<u64> {
    Some(match code {
        11 | 7 | 13 => 8,
        1 | 6 | 12 => 4,
        10 | 16 | 5 | 4 => 2,
        2 | 3 | 9 => 1,
        _ => return None,
    })
}

fn read_tensor(
    t: &TensorProto,
    root: &Path,
    files: &mut HashMap<PathBuf, (File, u64)>,
) -> Result<Vec<u8>> {
    let key = |k: &str| t.external_data.iter().find(|e| e.key == k).map(|e| e.value.as_str());
    let location = key("location").unwrap_or_default();
    let bad = |reason: String| ImportError::ExternalData {
        tensor: t.name.clone(),
        location: location.to_string(),
        reason,
    };
    if location.is_empty() {
        return Err(bad("no location is given".into()));
    }
    let number = |k: &str| -> Result<Option<u64>> {
        key(k)
            .map(|v| v.trim().parse::<u64>().map_err(|_| bad(format!("{k} '{v}' is not a size"))))
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let length = number("length")?;
    let path = inside(root, location).map_err(bad)?;
    if !files.contains_key(&path) {
        let f = File::open(&path).map_err(|e| bad(format!("cannot open it: {e}")))?;
        let size = f.metadata().map_err(|e| bad(e.to_string()))?.len();
        files.insert(path.clone(), (f, size));
    }
    let (file, size) = files.get_mut(&path).ok_or_else(|| bad("file not opened".into()))?;
    let dims: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}"))))
        .collect::<Result<_>>()?;
    let width = element_bytes(t.data_type).ok_or_else(|| {
        bad(format!(
            "element type {} ({:?}) cannot be stored externally here",
            t.data_type,
            DType::from_onnx(t.data_type)
        ))
    })?;
    let expected = u64::try_from(numel(&dims)).ok().and_then(|n| n.checked_mul(width));
    let expected = expected.ok_or_else(|| bad(format!("shape {dims:?} is too large")))?;
    let length = length.unwrap_or(expected);
    if length != expected {
        return Err(bad(format!(
            "length {length} is not the {expected} bytes of shape {dims:?} (type {})",
            t.data_type
        )));
    }
    if offset.checked_add(length).is_none_or(|end| end > *size) {
        return Err(bad(format!(
            "bytes {offset}..{} are beyond the file's {size} bytes (truncated or wrong file)",
            offset.saturating_add(length)
        )));
    }
    let n = usize::try_from(length).map_err(|_| bad("too large for this machine".into()))?;
    let mut bytes = vec![0u8; n];
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(&mut bytes))
        .map_err(|e| bad(format!("cannot read it: {e}")))?;
    Ok(bytes)
}

/// The file a location names, which must stay inside `root` (a canonical directory).
fn inside(root: &Path, location: &str) -> std::result::Result<PathBuf, String> {
    let rel = Path::new(location);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err("the location must be a file name relative to the model's directory, \
                    without '..' or a root"
            .into());
    }
    let path = root.join(rel);
    let real = path.canonicalize().map_err(|e| format!("cannot open it: {e}"))?;
    if !real.starts_with(root) {
        return Err("the location leads outside the model's directory (a link?)".into());
    }
    Ok(real)
}

/// Moves the data of every initializer into one external blob, the layout `torch.onnx.export`
/// writes by default: each tensor keeps its shape and type and names `location` (the blob's
/// file name, beside the model), `offset` and `length`. Returns the blob to write there.
/// Initializers whose data cannot be stored raw (strings) stay embedded.
#[must_use]
pub fn externalize(proto: &mut pb::ModelProto, location: &str) -> Vec<u8> {
    let mut blob = Vec::new();
    let Some(g) = &mut proto.graph else { return blob };
    for t in &mut g.initializer {
        let Some(raw) = raw_bytes(t) else { continue };
        let entry =
            |key: &str, value: String| pb::StringStringEntryProto { key: key.to_string(), value };
        t.external_data = vec![
            entry("location", location.to_string()),
            entry("offset", blob.len().to_string()),
            entry("length", raw.len().to_string()),
        ];
        t.data_location = Some(EXTERNAL);
        t.raw_data.clear();
        t.float_data.clear();
        t.double_data.clear();
        t.int32_data.clear();
        t.int64_data.clear();
        t.uint64_data.clear();
        blob.extend_from_slice(&raw);
    }
    blob
}

/// A tensor's data as raw little-endian bytes, from whichever field holds it.
fn raw_bytes(t: &TensorProto) -> Option<Vec<u8>> {
    if !t.raw_data.is_empty() {
        return Some(t.raw_data.clone());
    }
    let le = |v: &mut Vec<u8>, b: &[u8]| v.extend_from_slice(b);
    let mut out = Vec::new();
    match t.data_type {
        1 => t.float_data.iter().for_each(|x| le(&mut out, &x.to_le_bytes())),
        11 => t.double_data.iter().for_each(|x| le(&mut out, &x.to_le_bytes())),
        7 => t.int64_data.iter().for_each(|x| le(&mut out, &x.to_le_bytes())),
        13 => t.uint64_data.iter().for_each(|x| le(&mut out, &x.to_le_bytes())),
        6 => t.int32_data.iter().for_each(|x| le(&mut out, &x.to_le_bytes())),
        _ => return None,
    }
    Some(out)
}
