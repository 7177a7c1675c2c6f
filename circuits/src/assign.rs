//! Writes a [`Builder`]'s recording into halo2: one region per ONNX node and column (see
//! [`crate::regions`]), then the table, the constants and the Poseidon lanes, then, after the
//! challenge is drawn, the second-phase values, and finally the copy constraints and public
//! instances. Cells are addressed by column and absolute row (halo2-axiom's regions all start at
//! row 0), so no per-cell handle is kept.

use crate::builder::{Builder, Cell, Col, Lane};
use crate::config::{ModelConfig, SELECT_MAC, SELECT_MAC3, SELECT_MUL_ADD};
use crate::field::fe;
use halo2_proofs::circuit::{Cell as Halo2Cell, Layouter, Region, Value};
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::plonk::{Any, Column, Error};
use std::ops::Range;

/// Assigns everything `b` recorded.
pub(crate) fn synthesize(
    b: &Builder,
    config: &ModelConfig,
    layouter: &mut impl Layouter<Fr>,
) -> Result<(), Error> {
    let val = |v: i128| if b.known { Value::known(fe(v)) } else { Value::unknown() };
    #[cfg(feature = "test-hooks")]
    let cell_val = |c: Cell, v: i128| match b.field_offsets.get(&c) {
        // Test hook (see `Builder::offset_field`): value + t·2^−shift in the field.
        Some(&(t, shift)) if b.known => {
            use halo2_proofs::halo2curves::ff::Field;
            let inv = Fr::from(2u64).pow_vartime([u64::from(shift)]).invert().unwrap_or(Fr::zero());
            Value::known(fe(v) + fe(t) * inv)
        }
        _ => val(v),
    };
    #[cfg(not(feature = "test-hooks"))]
    let cell_val = |_: Cell, v: i128| val(v);
    let selectors: Vec<Vec<u8>> = b.lanes.iter().map(selector_rows).collect();
    let late_selectors: Vec<Vec<u8>> = b.late.iter().map(selector_rows).collect();
    // Second-phase values are computed by rules that take a mac step's constant `f0` as 0;
    // on a three-term step it is the switch to Horner's steps, 0 or 1.
    debug_assert!(
        b.late.iter().all(|lane| {
            let f0 = |row: &usize| lane.coef.get(row).copied().unwrap_or(0);
            lane.mac.iter().all(|row| f0(row) == 0)
                && lane.mac3.iter().all(|row| matches!(f0(row), 0 | 1))
        }),
        "a second-phase mac step carries a constant"
    );
    for spec in b.regions() {
        let rows = spec.rows.clone();
        layouter.assign_region(
            || spec.name(),
            |mut region| {
                match spec.col {
                    Col::Lane(l) => {
                        let cfg = &config.lanes[l];
                        for row in rows.clone() {
                            let c = Cell { col: spec.col, row };
                            let v = match b.lanes[l].wide.get(&row) {
                                Some(&w) if b.known => Value::known(w),
                                _ => cell_val(c, b.lanes[l].values[row]),
                            };
                            region.assign_advice(cfg.advice, row, v);
                        }
                        assign_lane_fixed(&mut region, &b.lanes[l], &selectors[l], cfg, rows);
                    }
                    // Second-phase values are assigned once the challenge is known.
                    Col::Late(l) => assign_lane_fixed(
                        &mut region,
                        &b.late[l],
                        &late_selectors[l],
                        &config.late[l],
                        rows,
                    ),
                    Col::LookupX(l) | Col::LookupY(l) => {
                        let (lane, cfg) = (&b.lookups[l], &config.lookups[l]);
                        for row in rows {
                            region.assign_advice(cfg.x, row, val(lane.x[row]));
                            match cfg.y {
                                Some(y) => {
                                    region.assign_advice(y, row, val(lane.y[row]));
                                }
                                // No output column: every entry's output must be 0.
                                None if lane.y[row] != 0 => return Err(Error::Synthesis),
                                None => {}
                            }
                            region.assign_fixed(cfg.tag, row, Fr::from(lane.tag[row]));
                        }
                    }
                    Col::Constant | Col::Hash(..) => {}
                }
                Ok(())
            },
        )?;
    }
    layouter.assign_region(
        || "lookup table",
        |mut region| {
            for (row, &(tag, x, y)) in b.table.iter().enumerate() {
                region.assign_fixed(config.table[0], row, Fr::from(tag));
                region.assign_fixed(config.table[1], row, fe(x));
                match config.table_y {
                    Some(t) => {
                        region.assign_fixed(t, row, fe(y));
                    }
                    None if y != 0 => return Err(Error::Synthesis),
                    None => {}
                }
            }
            Ok(())
        },
    )?;
    layouter.assign_region(
        || "constants",
        |mut region| {
            for (row, &v) in b.constants.iter().enumerate() {
                region.assign_fixed(config.constants, row, fe(v));
            }
            Ok(())
        },
    )?;
    if let Some(hash) = &config.hash {
        layouter.assign_region(
            || "Poseidon lanes",
            |mut region| {
                crate::poseidon::gate::assign(&mut region, b, hash);
                Ok(())
            },
        )?;
    }
    // Second phase: everything above is committed, the challenge drawn, then the values that
    // depend on it are assigned.
    if let Some(ch) = config.challenge {
        layouter.next_phase();
        let mut c = None;
        layouter.get_challenge(ch).map(|v| c = Some(v));
        let values = c.filter(|_| b.known).map(|c| b.late_values(c));
        layouter.assign_region(
            || "second phase",
            |mut region| {
                for (l, (lane, cfg)) in b.late.iter().zip(&config.late).enumerate() {
                    for row in 0..lane.values.len() {
                        let v = values
                            .as_ref()
                            .map_or_else(Value::unknown, |v| Value::known(v[l][row]));
                        region.assign_advice(cfg.advice, row, v);
                    }
                }
                Ok(())
            },
        )?;
    }
    let cell = |c: Cell| -> Result<Halo2Cell, Error> {
        Ok(Halo2Cell { row_offset: c.row, column: column(config, c.col)? })
    };
    layouter.assign_region(
        || "copy constraints",
        |mut region| {
            for &(a, c) in &b.copies {
                region.constrain_equal(cell(a)?, cell(c)?);
            }
            Ok(())
        },
    )?;
    for (row, &c) in b.public.iter().enumerate() {
        layouter.constrain_instance(cell(c)?, config.instance, row);
    }
    Ok(())
}

/// The halo2 column a builder column lives in.
fn column(config: &ModelConfig, col: Col) -> Result<Column<Any>, Error> {
    Ok(match col {
        Col::Lane(i) => config.lanes[i].advice.into(),
        Col::Late(i) => config.late[i].advice.into(),
        Col::LookupX(i) => config.lookups[i].x.into(),
        // A circuit of range lookups has no output cells to copy.
        Col::LookupY(i) => config.lookups[i].y.ok_or(Error::Synthesis)?.into(),
        Col::Constant => config.constants.into(),
        Col::Hash(l, w) => config
            .hash
            .as_ref()
            .and_then(|(_, lanes)| lanes.get(l)?.column(w))
            .ok_or(Error::Synthesis)?,
    })
}

/// A lane's gate selector per row (0 off). A row carries one gate: the chips never switch on
/// two at one row, and a second would silently replace the first.
fn selector_rows(lane: &Lane) -> Vec<u8> {
    let mut out = vec![0u8; lane.values.len()];
    for (rows, select) in
        [(&lane.mul_add, SELECT_MUL_ADD), (&lane.mac, SELECT_MAC), (&lane.mac3, SELECT_MAC3)]
    {
        for &row in rows {
            debug_assert_eq!(out[row], 0, "two gates at lane row {row}");
            out[row] = select;
        }
    }
    out
}

/// A lane's selector and coefficient values on `rows`. Every row's selector is assigned, zeros
/// included, so the region spans exactly its rows and MockProver's offsets count from its start.
fn assign_lane_fixed(
    region: &mut Region<'_, Fr>,
    lane: &Lane,
    selectors: &[u8],
    cfg: &crate::config::LaneConfig,
    rows: Range<usize>,
) {
    for row in rows.clone() {
        region.assign_fixed(cfg.gate, row, Fr::from(u64::from(selectors[row])));
    }
    for (&row, &c) in lane.coef.range(rows.clone()) {
        region.assign_fixed(cfg.coef, row, fe(c));
    }
    for (&row, &c) in lane.wide_coef.range(rows) {
        region.assign_fixed(cfg.coef, row, c);
    }
}
