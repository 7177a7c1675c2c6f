//! No module of a library crate depends, through other modules, on itself.
//!
//! A cycle (`assign` uses `builder` uses `circuit` uses `assign`) means no module can be read,
//! tested or moved alone. Edges are the `crate::` and `super::` paths in each file's code
//! (comments are skipped), resolved to the longest module they name; a module's edges to its
//! own ancestors and descendants are nesting, not dependency, and are left out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CRATES: &[&str] =
    &["model-import", "quantize", "circuits", "prover", "verifier", "receipts", "gpu", "."];

/// Module path (segments) → file, for every `.rs` file under `src`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut segs: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if matches!(segs.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                segs.pop();
            }
            out.insert(segs, path);
        }
    }
    out
}

fn ident(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(s.len())
}

/// The paths after each `crate::` or `super::` in `code`, braces expanded one level.
fn paths(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    for kw in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(kw) {
            let boundary = rest[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
            rest = &rest[at + kw.len()..];
            if !boundary {
                continue;
            }
            let is_super = kw == "super::";
            if let Some(inner) = rest.strip_prefix('{') {
                let mut depth = 1;
                let end = inner
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .map_or(inner.len(), |(i, _)| i);
                let mut level = 0;
                for item in inner[..end].split(|c| {
                    level += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    c == ',' && level == 0
                }) {
                    let item = item.trim();
                    out.push((is_super, item[..ident(item)].to_string()));
                }
            } else {
                out.push((is_super, rest[..ident(rest)].to_string()));
            }
        }
    }
    out
}

/// Module → the modules its code names (nesting excluded).
fn graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mods = modules(src);
    let mut g = BTreeMap::new();
    for (m, file) in &mods {
        let text = std::fs::read_to_string(file).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut uses = BTreeSet::new();
        for (is_super, path) in paths(&code) {
            let mut segs: Vec<String> =
                if is_super { m[..m.len().saturating_sub(1)].to_vec() } else { Vec::new() };
            for s in path.split("::").filter(|s| !s.is_empty()) {
                if s == "super" {
                    segs.pop();
                } else {
                    segs.push(s.to_string());
                }
            }
            let target = (1..=segs.len()).rev().map(|k| &segs[..k]).find(|p| mods.contains_key(*p));
            let Some(t) = target else { continue };
            let nested = m.starts_with(t) || t.starts_with(m);
            if !nested {
                uses.insert(t.to_vec());
            }
        }
        g.insert(m.clone(), uses);
    }
    g
}

/// A cycle through `start`, if any.
fn cycle(
    g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    start: &Vec<String>,
) -> Option<Vec<String>> {
    let mut stack = vec![(start.clone(), vec![start.join("::")])];
    let mut seen = BTreeSet::new();
    while let Some((m, trail)) = stack.pop() {
        for next in g.get(&m).into_iter().flatten() {
            if next == start {
                let mut t = trail.clone();
                t.push(start.join("::"));
                return Some(t);
            }
            if seen.insert(next.clone()) {
                let mut t = trail.clone();
                t.push(next.join("::"));
                stack.push((next.clone(), t));
            }
        }
    }
    None
}

#[test]
fn library_crates_have_no_module_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cycles = Vec::new();
    for name in CRATES {
        let g = graph(&root.join(name).join("src"));
        assert!(g.len() > 3, "{name}: found only {} modules", g.len());
        for m in g.keys() {
            if let Some(c) = cycle(&g, m) {
                cycles.push(format!("{name}: {}", c.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_check_finds_a_planted_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("b")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::{b::inner::X, lib_thing};\n").unwrap();
    std::fs::write(src.join("b/mod.rs"), "mod inner;\n// crate::a in a comment\n").unwrap();
    std::fs::write(src.join("b/inner.rs"), "pub struct X;\nfn f() { super::super::a::g() }\n")
        .unwrap();
    let g = graph(src);
    let start = vec!["a".to_string()];
    assert_eq!(cycle(&g, &start).unwrap(), ["a", "b::inner", "a"]);
    // Without the child's edge back, nothing: a comment is not a dependency.
    std::fs::write(src.join("b/inner.rs"), "pub struct X;\n").unwrap();
    assert!(cycle(&graph(src), &start).is_none());
}
