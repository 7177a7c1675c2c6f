//! An in-process EVM (revm) to deploy contracts and call them, as a chain would.

use crate::error::{Result, VerifierError};
use revm::context::result::{ExecutionResult, Output};
use revm::context::TxEnv;
use revm::database::InMemoryDB;
use revm::primitives::{Address, TxKind};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext, MainnetEvm};

/// Gas given to each call. A bad curve point makes the pairing or scalar-multiplication
/// precompile consume all gas it is given, so a rejection can cost the whole limit.
pub const CALL_GAS_LIMIT: u64 = 30_000_000;

/// What a call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The call returned normally (for a verifier: the proof was accepted).
    pub success: bool,
    /// Gas of the whole transaction, including the 21,000 base and calldata.
    pub gas_used: u64,
    /// Returned or revert data.
    pub output: Vec<u8>,
}

/// A deployed contract.
#[derive(Clone, Copy, Debug)]
pub struct Contract {
    /// Its address.
    pub address: Address,
    /// Bytes of runtime code stored at the address (what EIP-170 limits).
    pub code_size: usize,
    /// Gas the deployment transaction used.
    pub deploy_gas: u64,
}

/// A fresh chain with one funded sender.
pub struct Chain {
    evm: MainnetEvm<revm::handler::MainnetContext<InMemoryDB>>,
    nonce: u64,
}

impl Chain {
    /// A new chain. With `enforce_eip170` false the code-size limit is lifted, as on a private
    /// test network.
    #[must_use]
    pub fn new(enforce_eip170: bool) -> Self {
        let evm = Context::mainnet()
            .with_db(InMemoryDB::default())
            .modify_cfg_chained(|cfg| {
                if !enforce_eip170 {
                    cfg.limit_contract_code_size = Some(usize::MAX / 4);
                }
            })
            .build_mainnet();
        Self { evm, nonce: 0 }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>, gas_limit: u64) -> Result<ExecutionResult> {
        let tx =
            TxEnv { gas_limit, kind, data: data.into(), nonce: self.nonce, ..Default::default() };
        let result =
            self.evm.transact_commit(tx).map_err(|e| VerifierError::Evm(format!("{e:?}")))?;
        self.nonce += 1;
        Ok(result)
    }

    /// Deploys creation code (with any constructor arguments appended).
    ///
    /// # Errors
    /// [`VerifierError::Evm`] when the deployment reverts or halts, e.g. on the size limit.
    pub fn deploy(&mut self, creation: &[u8]) -> Result<Contract> {
        let gas = CALL_GAS_LIMIT.max(creation.len() as u64 * 400);
        match self.transact(TxKind::Create, creation.to_vec(), gas)? {
            ExecutionResult::Success {
                output: Output::Create(code, Some(address)),
                gas_used,
                ..
            } => Ok(Contract { address, code_size: code.len(), deploy_gas: gas_used }),
            other => Err(VerifierError::Evm(format!("deployment failed: {other:?}"))),
        }
    }

    /// Calls `to` with `calldata`.
    ///
    /// # Errors
    /// [`VerifierError::Evm`] when the transaction is invalid (not when it reverts).
    pub fn call(&mut self, to: Address, calldata: &[u8]) -> Result<CallOutcome> {
        let result = self.transact(TxKind::Call(to), calldata.to_vec(), CALL_GAS_LIMIT)?;
        Ok(CallOutcome {
            success: result.is_success(),
            gas_used: result.gas_used(),
            output: result.output().map(|b| b.to_vec()).unwrap_or_default(),
        })
    }
}
