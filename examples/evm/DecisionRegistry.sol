// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title DecisionRegistry: proven AI-agent decisions, registered once each.
/// @notice In the spirit of ERC-8004's validation registry. The owner registers each model's
/// zkinfer verifier under its model identity (the hash of the whole verifying key that
/// `zkinfer setup` prints). Anyone may then submit a decision receipt: its digest, the proof's
/// public instances and proof, the agent's address and signature. The registry checks the proof
/// with the model's verifier, checks the signature is the agent's, refuses a receipt it has seen,
/// and records who decided what with which model. Consumers act only on registered decisions.
///
/// What the agent signs (secp256k1, `zkinfer receipt submission` computes it): the Keccak-256 of
/// `abi.encode(SUBMIT_TYPEHASH, block.chainid, registry, modelId, receiptDigest,
/// keccak256(abi.encodePacked(instances)))`, where `receiptDigest` is the Keccak-256 of the
/// receipt's DSSE pre-authentication encoding (what the receipt's own secp256k1 signature signs).
/// So a signature binds this receipt to these instances of this model on this registry and
/// chain, and cannot be replayed elsewhere.
contract DecisionRegistry {
    /// BN254 scalar field order: an instance v >= R would alias v - R.
    uint256 internal constant R =
        0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// Half the secp256k1 order: signatures with a larger s are malleated copies.
    uint256 internal constant HALF_N =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// Domain tag of a submission.
    bytes32 public constant SUBMIT_TYPEHASH = keccak256("zkinfer.DecisionRegistry.submit.v1");

    struct Model {
        address verifier;
        bytes32 codehash;
        uint256 verifyGas;
        uint256 instances;
    }

    struct Decision {
        bytes32 modelId;
        address agent;
        bytes32 instancesHash;
        uint64 registeredAt;
    }

    /// Who may register models.
    address public immutable owner;
    /// Verifier of each model identity.
    mapping(bytes32 => Model) public models;
    /// Registered decisions by agent and receipt digest (keyed by agent too, so no one can
    /// squat an agent's receipt digest by submitting it first under another name).
    mapping(address => mapping(bytes32 => Decision)) public decisions;

    event ModelRegistered(bytes32 indexed modelId, address verifier);
    event DecisionRegistered(
        bytes32 indexed receiptDigest,
        bytes32 indexed modelId,
        address indexed agent,
        uint256[] instances
    );

    constructor() {
        owner = msg.sender;
    }

    /// Registers the verifier of `modelId` (once), with the gas each verification may use
    /// (an invalid proof point makes a precompile burn all gas it is given) and its number of
    /// public instances (the verifier reads instances and proof as one byte string, so the
    /// split between them is fixed here).
    function registerModel(bytes32 modelId, address verifier, uint256 verifyGas, uint256 instances)
        external
    {
        require(msg.sender == owner, "DecisionRegistry: not the owner");
        require(verifier.code.length > 0, "DecisionRegistry: verifier has no code");
        require(models[modelId].verifier == address(0), "DecisionRegistry: model already registered");
        models[modelId] = Model(verifier, verifier.codehash, verifyGas, instances);
        emit ModelRegistered(modelId, verifier);
    }

    /// The digest the agent signs for a submission.
    function submissionDigest(bytes32 modelId, bytes32 receiptDigest, uint256[] calldata instances)
        public
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(
                SUBMIT_TYPEHASH,
                block.chainid,
                address(this),
                modelId,
                receiptDigest,
                keccak256(abi.encodePacked(instances))
            )
        );
    }

    /// Verifies and registers `agent`'s decision.
    function submit(
        bytes32 modelId,
        bytes32 receiptDigest,
        address agent,
        uint256[] calldata instances,
        bytes calldata proof,
        bytes calldata signature
    ) external {
        require(agent != address(0), "DecisionRegistry: no agent");
        require(decisions[agent][receiptDigest].agent == address(0), "DecisionRegistry: receipt already registered");
        Model memory m = models[modelId];
        require(m.verifier != address(0), "DecisionRegistry: unknown model");
        require(m.verifier.codehash == m.codehash, "DecisionRegistry: verifier changed");
        require(instances.length == m.instances, "DecisionRegistry: wrong number of instances");
        for (uint256 i = 0; i < instances.length; i++) {
            require(instances[i] < R, "DecisionRegistry: instance not below the field order");
        }
        (bool ok,) = m.verifier.staticcall{gas: m.verifyGas}(abi.encodePacked(instances, proof));
        require(ok, "DecisionRegistry: proof rejected");
        require(
            recover(submissionDigest(modelId, receiptDigest, instances), signature) == agent,
            "DecisionRegistry: not the agent's signature"
        );
        decisions[agent][receiptDigest] =
            Decision(modelId, agent, keccak256(abi.encodePacked(instances)), uint64(block.timestamp));
        emit DecisionRegistered(receiptDigest, modelId, agent, instances);
    }

    function recover(bytes32 digest, bytes calldata sig) internal pure returns (address signer) {
        require(sig.length == 65, "DecisionRegistry: a signature is 65 bytes");
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        require(v == 27 || v == 28, "DecisionRegistry: bad signature");
        require(uint256(s) <= HALF_N, "DecisionRegistry: bad signature");
        signer = ecrecover(digest, v, r, s);
    }
}

/// @title DecisionConsumer: acts only on registered decisions of one model by one agent.
/// @notice Example consumer: a desk that executes an agent's decision (say, which of several
/// actions to take) only when the registry holds it, proven, for the model and agent it trusts,
/// and only once. The outputs it decodes must be the instances the registry verified.
contract DecisionConsumer {
    DecisionRegistry public immutable registry;
    bytes32 public immutable modelId;
    address public immutable agent;
    /// Index of the first model output among the instances (after public or hashed inputs).
    uint256 public immutable firstOutput;
    /// Number of outputs the decision is the argmax of.
    uint256 public immutable outputs;

    uint256 internal constant R =
        0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    mapping(bytes32 => bool) public acted;

    event Acted(bytes32 indexed receiptDigest, uint256 action);

    constructor(DecisionRegistry registry_, bytes32 modelId_, address agent_, uint256 firstOutput_, uint256 outputs_) {
        registry = registry_;
        modelId = modelId_;
        agent = agent_;
        firstOutput = firstOutput_;
        outputs = outputs_;
    }

    /// Executes the registered decision `receiptDigest` whose instances are `instances`;
    /// returns the action taken (the argmax of the model's outputs).
    function act(bytes32 receiptDigest, uint256[] calldata instances) external returns (uint256 action) {
        require(!acted[receiptDigest], "DecisionConsumer: already acted");
        (bytes32 m, address a, bytes32 h,) = registry.decisions(agent, receiptDigest);
        require(a != address(0), "DecisionConsumer: not registered");
        require(m == modelId, "DecisionConsumer: another model");
        require(a == agent, "DecisionConsumer: untrusted agent");
        require(h == keccak256(abi.encodePacked(instances)), "DecisionConsumer: not the registered instances");
        require(instances.length >= firstOutput + outputs && outputs > 0, "DecisionConsumer: too few instances");
        int256 best = toSigned(instances[firstOutput]);
        for (uint256 i = 1; i < outputs; i++) {
            int256 v = toSigned(instances[firstOutput + i]);
            if (v > best) {
                best = v;
                action = i;
            }
        }
        acted[receiptDigest] = true;
        emit Acted(receiptDigest, action);
    }

    function toSigned(uint256 x) internal pure returns (int256) {
        return x > R / 2 ? -int256(R - x) : int256(x);
    }
}
