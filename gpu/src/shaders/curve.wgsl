// BN254 G1 (y^2 = x^3 + 3) in homogeneous projective coordinates with the complete formulas of
// Renes, Costello and Batina (eprint 2015/1060, algorithms 7 and 8 for a = 0). Complete formulas
// have no special cases: doubling, the identity (0:1:0) and P + (-P) all go through the same
// straight-line code, which keeps GPU threads in lockstep and the kernels small.

struct Point {
    x: Fq,
    y: Fq,
    z: Fq,
}

fn point_identity() -> Point {
    return Point(Fq(), FQ_ONE, Fq());
}

// The steps algorithms 7 and 8 share once they have t0 = X1·X2, t1 = Y1·Y2, z = Z1·Z2,
// t3 = X1·Y2 + X2·Y1, t4 = Y1·Z2 + Y2·Z1 and y = X1·Z2 + X2·Z1 (Z2 = 1 for an affine Q).
fn point_add_tail(t0_in: Fq, t1_in: Fq, z: Fq, t3: Fq, t4: Fq, y: Fq) -> Point {
    var x3 = fq_add(t0_in, t0_in);
    let t0 = fq_add(x3, t0_in);
    let t2 = fq_mul_by_3b(z);
    var z3 = fq_add(t1_in, t2);
    var t1 = fq_sub(t1_in, t2);
    var y3 = fq_mul_by_3b(y);
    x3 = fq_mul(t4, y3);
    x3 = fq_sub(fq_mul(t3, t1), x3);
    y3 = fq_mul(y3, t0);
    t1 = fq_mul(t1, z3);
    y3 = fq_add(t1, y3);
    z3 = fq_mul(z3, t4);
    z3 = fq_add(z3, fq_mul(t0, t3));
    return Point(x3, y3, z3);
}

// Algorithm 7: P + Q for any P, Q.
fn point_add(p: Point, q: Point) -> Point {
    var t0 = fq_mul(p.x, q.x);
    var t1 = fq_mul(p.y, q.y);
    var t2 = fq_mul(p.z, q.z);
    var t3 = fq_add(p.x, p.y);
    var t4 = fq_add(q.x, q.y);
    t3 = fq_mul(t3, t4);
    t4 = fq_add(t0, t1);
    t3 = fq_sub(t3, t4);
    t4 = fq_add(p.y, p.z);
    var x3 = fq_add(q.y, q.z);
    t4 = fq_mul(t4, x3);
    x3 = fq_add(t1, t2);
    t4 = fq_sub(t4, x3);
    x3 = fq_add(p.x, p.z);
    var y3 = fq_add(q.x, q.z);
    x3 = fq_mul(x3, y3);
    y3 = fq_add(t0, t2);
    y3 = fq_sub(x3, y3);
    return point_add_tail(t0, t1, t2, t3, t4, y3);
}

// Algorithm 8: P + (qx, qy) for an affine Q that is not the identity.
fn point_add_affine(p: Point, qx: Fq, qy: Fq) -> Point {
    var t0 = fq_mul(p.x, qx);
    var t1 = fq_mul(p.y, qy);
    var t3 = fq_add(qx, qy);
    var t4 = fq_add(p.x, p.y);
    t3 = fq_mul(t3, t4);
    t4 = fq_add(t0, t1);
    t3 = fq_sub(t3, t4);
    t4 = fq_mul(qy, p.z);
    t4 = fq_add(t4, p.y);
    var y3 = fq_mul(qx, p.z);
    y3 = fq_add(y3, p.x);
    return point_add_tail(t0, t1, p.z, t3, t4, y3);
}
