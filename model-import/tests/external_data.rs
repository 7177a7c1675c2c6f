//! Models with their weights in an external file (torch.onnx.export's default layout) load
//! like embedded ones, their hash covers the weights, and locations or ranges that leave the
//! model's directory or its files are refused by name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use prost::Message;
use std::path::{Path, PathBuf};
use tract_onnx::pb;
use zkinfer_model_import::external::{external_files, externalize};
use zkinfer_model_import::{from_bytes, load, ImportError};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/credit_score/network.onnx")
}

/// Writes the example model with its weights in `network.onnx.data` into `dir`; returns the
/// model's path and its proto.
fn external_copy(dir: &Path) -> (PathBuf, pb::ModelProto) {
    let mut proto = pb::ModelProto::decode(std::fs::read(example()).unwrap().as_slice()).unwrap();
    let blob = externalize(&mut proto, "network.onnx.data");
    assert!(!blob.is_empty(), "the example has no initializers to move");
    std::fs::write(dir.join("network.onnx.data"), &blob).unwrap();
    let path = dir.join("network.onnx");
    std::fs::write(&path, proto.encode_to_vec()).unwrap();
    (path, proto)
}

fn rewrite(path: &Path, proto: &pb::ModelProto, edit: impl FnOnce(&mut pb::TensorProto)) {
    let mut p = proto.clone();
    edit(&mut p.graph.as_mut().unwrap().initializer[0]);
    std::fs::write(path, p.encode_to_vec()).unwrap();
}

fn set(t: &mut pb::TensorProto, key: &str, value: &str) {
    let e = t.external_data.iter_mut().find(|e| e.key == key).unwrap();
    e.value = value.to_string();
}

fn refused(path: &Path, what: &str) {
    match load(path) {
        Err(e @ ImportError::ExternalData { .. }) => {
            assert!(e.to_string().contains(what), "expected '{what}' in: {e}");
        }
        Err(e) => panic!("expected an external-data error naming '{what}', got: {e}"),
        Ok(_) => panic!("loaded a model whose external data should be refused ({what})"),
    }
}

#[test]
fn external_weights_load_like_embedded_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, _) = external_copy(tmp.path());
    let embedded = load(example()).unwrap();
    let external = load(&path).unwrap();
    assert_eq!(embedded.tensors.len(), external.tensors.len());
    for (a, b) in embedded.tensors.iter().zip(&external.tensors) {
        assert_eq!((&a.name, &a.shape, a.dtype), (&b.name, &b.shape, b.dtype));
        assert_eq!(
            a.value.as_ref().map(|t| &t.data),
            b.value.as_ref().map(|t| &t.data),
            "{}",
            a.name
        );
    }
    // The hash covers the weights: other bytes in the data file, another model.
    let mut blob = std::fs::read(tmp.path().join("network.onnx.data")).unwrap();
    blob[0] ^= 1;
    std::fs::write(tmp.path().join("network.onnx.data"), &blob).unwrap();
    let changed = load(&path).unwrap();
    assert_ne!(changed.model_sha256, external.model_sha256);
    // From bytes alone the data file cannot be found: a clear error, not a panic.
    let err = from_bytes(&std::fs::read(&path).unwrap(), "network.onnx", &Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("load it from its path"), "{err}");
}

#[test]
fn external_data_outside_the_model_or_its_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    let (path, proto) = external_copy(&dir);
    let secret = tmp.path().join("secret.bin");
    std::fs::write(&secret, vec![7u8; 4096]).unwrap();

    rewrite(&path, &proto, |t| set(t, "location", "../secret.bin"));
    refused(&path, "without '..'");
    rewrite(&path, &proto, |t| set(t, "location", secret.to_str().unwrap()));
    refused(&path, "without '..' or a root");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, dir.join("link.bin")).unwrap();
        rewrite(&path, &proto, |t| set(t, "location", "link.bin"));
        refused(&path, "outside the model's directory");
    }
    rewrite(&path, &proto, |t| set(t, "location", "missing.data"));
    refused(&path, "cannot open it");
    rewrite(&path, &proto, |t| set(t, "offset", "18446744073709551615"));
    refused(&path, "beyond the file's");
    rewrite(&path, &proto, |t| set(t, "offset", "-4"));
    refused(&path, "is not a size");
    rewrite(&path, &proto, |t| {
        let n: usize =
            t.external_data.iter().find(|e| e.key == "length").unwrap().value.parse().unwrap();
        set(t, "length", &(n + 4).to_string());
    });
    refused(&path, "is not the");
    rewrite(&path, &proto, |t| t.external_data.retain(|e| e.key != "location"));
    refused(&path, "no location");
    // A truncated data file.
    let (path, _) = external_copy(&dir);
    let blob = std::fs::read(dir.join("network.onnx.data")).unwrap();
    std::fs::write(dir.join("network.onnx.data"), &blob[..blob.len() - 1]).unwrap();
    refused(&path, "beyond the file's");
}

#[test]
fn external_files_lists_what_travels_with_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, proto) = external_copy(tmp.path());
    assert_eq!(external_files(&path).unwrap(), vec!["network.onnx.data".to_string()]);
    assert!(external_files(&example()).unwrap().is_empty());
    // A location a worker would write outside its folder is refused before anything travels.
    rewrite(&path, &proto, |t| set(t, "location", "../elsewhere.data"));
    let err = external_files(&path).unwrap_err().to_string();
    assert!(err.contains("without '..'"), "{err}");
}
