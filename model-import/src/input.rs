//! Model inputs in EZKL's `input.json` layout: `{"input_data": [[...], ...]}`, one
//! row-major list per model input (nested lists are flattened).

use crate::error::{ImportError, Result};
use serde_json::Value;
use std::path::Path;

/// Parses the JSON text of an input file into one flat list per model input.
///
/// # Errors
/// When `input_data` is missing or holds something other than numbers.
pub fn parse_input_json(text: &str, label: &str) -> Result<Vec<Vec<f64>>> {
    let bad = |reason: String| ImportError::InputFile { path: label.to_string(), reason };
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    let data = v.get("input_data").ok_or_else(|| {
        bad("missing \"input_data\"; expected {\"input_data\": [[x0, x1, ...]]}".into())
    })?;
    let Value::Array(items) = data else {
        return Err(bad("\"input_data\" must be a list with one list per model input".into()));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut out = Vec::new();
            flatten(item, &mut out).map_err(|e| bad(format!("input #{i}: {e}")))?;
            Ok(out)
        })
        .collect()
}

fn flatten(v: &Value, out: &mut Vec<f64>) -> std::result::Result<(), String> {
    match v {
        Value::Number(n) => {
            out.push(n.as_f64().ok_or_else(|| format!("number {n} is not representable"))?);
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|x| flatten(x, out)),
        Value::Null => Err("null is not a number (NaN inputs are rejected)".into()),
        other => Err(format!("expected numbers, found {other}")),
    }
}

/// Reads an input file.
///
/// # Errors
/// Unreadable file or bad layout.
pub fn read_input_file(path: &Path) -> Result<Vec<Vec<f64>>> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::InputFile {
        path: path.display().to_string(),
        reason: format!(
            "cannot read the input file ({e}); it holds {{\"input_data\": [[...]]}}, one \
             row-major list per model input"
        ),
    })?;
    parse_input_json(&text, &path.display().to_string())
}

/// Reads one input file, or every `*.json` file of a directory (sorted by name).
///
/// # Errors
/// Unreadable files, bad layout, or an empty directory.
pub fn read_inputs(path: &Path) -> Result<Vec<Vec<Vec<f64>>>> {
    if !path.is_dir() {
        return Ok(vec![read_input_file(path)?]);
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| ImportError::InputFile {
            path: path.display().to_string(),
            reason: format!("cannot read the input directory ({e})"),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ImportError::InputFile {
            path: path.display().to_string(),
            reason: "directory holds no .json input files".into(),
        });
    }
    files.iter().map(|f| read_input_file(f)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flat_and_nested() {
        let v = parse_input_json(r#"{"input_data": [[1, 2.5], [[3], [4]]]}"#, "t").unwrap();
        assert_eq!(v, vec![vec![1.0, 2.5], vec![3.0, 4.0]]);
        assert!(parse_input_json(r#"{"x": 1}"#, "t").is_err());
        assert!(parse_input_json(r#"{"input_data": [[null]]}"#, "t").is_err());
    }
}
