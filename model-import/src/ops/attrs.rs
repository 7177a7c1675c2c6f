//! Typed access to ONNX node attributes.

use crate::error::{ImportError, NodeRef, Result};
use crate::proto::tensor_from_proto;
use crate::tensor::Tensor;
use tract_onnx::pb::{AttributeProto, NodeProto};

/// Attributes of one node, with errors that name the node.
pub struct Attrs<'a> {
    node: &'a NodeProto,
    nref: NodeRef,
}

impl<'a> Attrs<'a> {
    /// Wraps a node's attributes.
    #[must_use]
    pub fn new(node: &'a NodeProto, nref: NodeRef) -> Self {
        Self { node, nref }
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name == name)
    }

    fn bad(&self, attr: &str, reason: impl Into<String>) -> ImportError {
        ImportError::BadAttribute {
            node: self.nref.clone(),
            attr: attr.into(),
            reason: reason.into(),
        }
    }

    /// True when the attribute is present.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Integer attribute with a default.
    #[must_use]
    pub fn int_or(&self, name: &str, default: i64) -> i64 {
        self.get(name).map_or(default, |a| a.i)
    }

    /// Float attribute with a default.
    #[must_use]
    pub fn float_or(&self, name: &str, default: f64) -> f64 {
        self.get(name).map_or(default, |a| f64::from(a.f))
    }

    /// Integer-list attribute.
    #[must_use]
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.get(name).map(|a| a.ints.clone())
    }

    /// Float-list attribute.
    #[must_use]
    pub fn floats(&self, name: &str) -> Option<Vec<f64>> {
        self.get(name).map(|a| a.floats.iter().map(|&f| f64::from(f)).collect())
    }

    /// String attribute.
    #[must_use]
    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
    }

    /// String list attribute (e.g. a tree ensemble's `nodes_modes`).
    #[must_use]
    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.get(name)
            .map(|a| a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect())
    }

    /// Tensor attribute.
    ///
    /// # Errors
    /// When the embedded tensor cannot be decoded.
    pub fn tensor(&self, name: &str) -> Result<Option<Tensor>> {
        match self.get(name).and_then(|a| a.t.as_ref()) {
            None => Ok(None),
            Some(t) => tensor_from_proto(t).map(Some).map_err(|e| self.bad(name, e)),
        }
    }

    /// Non-negative integer list, e.g. kernel sizes or strides.
    ///
    /// # Errors
    /// When an entry is negative.
    pub fn usizes(&self, name: &str) -> Result<Option<Vec<usize>>> {
        match self.ints(name) {
            None => Ok(None),
            Some(v) => v
                .iter()
                .map(|&x| {
                    usize::try_from(x).map_err(|_| self.bad(name, format!("negative value {x}")))
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
        }
    }

    /// An error about attribute `name`.
    #[must_use]
    pub fn error(&self, name: &str, reason: impl Into<String>) -> ImportError {
        self.bad(name, reason)
    }
}
