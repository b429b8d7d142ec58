/**
 * glibc's single-precision `logf`, `sinf` and `cosf`, operation for operation, so that
 * `randn`'s float32 fill gives PyTorch's bits on Linux x86-64.
 *
 * glibc 2.28 and later compute these in double precision with short polynomials (code from
 * Arm's optimized-routines: `e_logf.c`, `s_sinf.c`, `s_cosf.c`, `sincosf_poly.h`) and round
 * once to float. On x86-64 machines with FMA and AVX2 glibc picks a build of the same C code
 * compiled with `-mfma`, where GCC fuses each `a * b + c` into one fused multiply-add; that
 * build is the one PyTorch calls on such machines, so these functions fuse the same
 * operations. JavaScript has no fused multiply-add: {@linkcode fma} emulates it with
 * error-free transformations (exact except in double-rounding ties, which the final rounding
 * to float makes vanishingly rare).
 *
 * Also glibc's double `log` (same origin, FMA build), for `randn`'s double paths.
 *
 * Only the arguments `randn` produces are needed: `logf` and `log` of (0, 1] and
 * `sinf`/`cosf` of [0, 2π), so the large-argument reduction of `sinf`/`cosf` (|x| ≥ 120)
 * is left out and such arguments fall back to `Math.sin`/`Math.cos` (and `log` outside
 * (0, 1] to `Math.log`).
 *
 * The constants are those of Arm's optimized-routines (MIT licence), which glibc ships.
 *
 * @module
 */

/** Parses a C hexadecimal floating-point literal such as `0x1.8p-1` exactly. */
function hexFloat(text: string): number {
  const m = /^(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]?\d+)$/i.exec(text);
  if (m === null) throw new Error(`Cannot parse hex float ${text}`);
  const frac = m[3] ?? "";
  const mantissa = BigInt(`0x${m[2]}${frac}`);
  const value = Number(mantissa) * 2 ** (Number(m[4]) - 4 * frac.length);
  return m[1] === "-" ? -value : value;
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter for doubles

/**
 * `a * b + c` with one rounding, as a fused multiply-add (emulated: the product's error
 * from Dekker's two-product and the sum's error from Knuth's two-sum).
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  const s = p + c;
  const v = s - p;
  const se = (p - (s - v)) + (c - v);
  return s + (se + pe);
}

const scratch = new DataView(new ArrayBuffer(8));

function floatBits(x: number): number {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
}

function bitsFloat(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

// __logf_data: 16 (1/c, log c) pairs, ln 2, and log1p's polynomial.
const LOGF_TAB = [
  ["0x1.661ec79f8f3bep+0", "-0x1.57bf7808caadep-2"],
  ["0x1.571ed4aaf883dp+0", "-0x1.2bef0a7c06ddbp-2"],
  ["0x1.49539f0f010bp+0", "-0x1.01eae7f513a67p-2"],
  ["0x1.3c995b0b80385p+0", "-0x1.b31d8a68224e9p-3"],
  ["0x1.30d190c8864a5p+0", "-0x1.6574f0ac07758p-3"],
  ["0x1.25e227b0b8eap+0", "-0x1.1aa2bc79c81p-3"],
  ["0x1.1bb4a4a1a343fp+0", "-0x1.a4e76ce8c0e5ep-4"],
  ["0x1.12358f08ae5bap+0", "-0x1.1973c5a611cccp-4"],
  ["0x1.0953f419900a7p+0", "-0x1.252f438e10c1ep-5"],
  ["0x1p+0", "0x0p+0"],
  ["0x1.e608cfd9a47acp-1", "0x1.aa5aa5df25984p-5"],
  ["0x1.ca4b31f026aap-1", "0x1.c5e53aa362eb4p-4"],
  ["0x1.b2036576afce6p-1", "0x1.526e57720db08p-3"],
  ["0x1.9c2d163a1aa2dp-1", "0x1.bc2860d22477p-3"],
  ["0x1.886e6037841edp-1", "0x1.1058bc8a07ee1p-2"],
  ["0x1.767dcf5534862p-1", "0x1.4043057b6ee09p-2"],
].map(([invc, logc]) => [hexFloat(invc), hexFloat(logc)]);
const LOGF_INVC = new Float64Array(LOGF_TAB.map((e) => e[0]));
const LOGF_LOGC = new Float64Array(LOGF_TAB.map((e) => e[1]));
const LN2 = hexFloat("0x1.62e42fefa39efp-1");
const LA0 = hexFloat("-0x1.00ea348b88334p-2");
const LA1 = hexFloat("0x1.5575b0be00b6ap-2");
const LA2 = hexFloat("-0x1.ffffef20a4123p-2");
const LOGF_OFF = 0x3f330000;

/** glibc's `logf` (FMA build), rounded to float32. */
export function logf(x: number): number {
  let ix = floatBits(x);
  if (ix === 0x3f800000) return 0;
  if (((ix - 0x00800000) >>> 0) >= 0x7f800000 - 0x00800000) {
    if (((ix << 1) >>> 0) === 0) return -Infinity;
    if (ix === 0x7f800000) return x;
    if ((ix & 0x80000000) !== 0 || ((ix << 1) >>> 0) >= 0xff000000) return NaN;
    ix = floatBits(Math.fround(x * 8388608)); // subnormal: normalise
    ix = (ix - (23 << 23)) >>> 0;
  }
  const tmp = (ix - LOGF_OFF) >>> 0;
  const i = (tmp >>> 19) & 15;
  const k = tmp >> 23; // arithmetic shift of the int32 view
  const iz = (ix - (tmp & 0xff800000)) >>> 0;
  const z = bitsFloat(iz);
  const r = fma(z, LOGF_INVC[i], -1);
  const y0 = fma(k, LN2, LOGF_LOGC[i]);
  const r2 = r * r;
  let y = fma(LA1, r, LA2);
  y = fma(LA0, r2, y);
  y = fma(y, r2, y0 + r);
  return Math.fround(y);
}

// __sincosf_table (x86-64 has no TOINT_INTRINSICS: 2/π is prescaled by 2^24).
const HPI_INV = hexFloat("0x1.45F306DC9C883p+23");
const HPI = hexFloat("0x1.921FB54442D18p0");
const PC = [
  "0x1p0",
  "-0x1.ffffffd0c621cp-2",
  "0x1.55553e1068f19p-5",
  "-0x1.6c087e89a359dp-10",
  "0x1.99343027bf8c3p-16",
].map(hexFloat);
const S1 = hexFloat("-0x1.555545995a603p-3");
const S2 = hexFloat("0x1.1107605230bc4p-7");
const S3 = hexFloat("-0x1.994eb3774cf24p-13");
const SIGN = [1, -1, -1, 1];

function abstop12(x: number): number {
  return (floatBits(x) >>> 20) & 0x7ff;
}
const TOP_PIO4 = abstop12(Math.fround(0.7853981633974483));
const TOP_TINY = abstop12(2 ** -12);
const TOP_120 = abstop12(120);

/**
 * sinf_poly: the sine polynomial for even `n`, the cosine one for odd `n`; `neg` selects the
 * table's second entry, whose cosine coefficients are negated.
 */
function sinfPoly(x: number, x2: number, n: number, neg: boolean): number {
  if ((n & 1) === 0) {
    const x3 = x * x2;
    const s1 = fma(x2, S3, S2);
    const x7 = x3 * x2;
    const s = fma(x3, S1, x);
    return Math.fround(fma(x7, s1, s));
  }
  const m = neg ? -1 : 1;
  const x4 = x2 * x2;
  const c2 = fma(x2, m * PC[4], m * PC[3]);
  const c1 = fma(x2, m * PC[1], m * PC[0]);
  const x6 = x4 * x2;
  const c = fma(x4, m * PC[2], c1);
  return Math.fround(fma(x6, c2, c));
}

function sinCosF(y: number, wantCos: boolean): number {
  const top = abstop12(y);
  if (top < TOP_PIO4) {
    if (top < TOP_TINY) return wantCos ? 1 : y;
    return sinfPoly(y, y * y, wantCos ? 1 : 0, false);
  }
  if (top < TOP_120) {
    const r = y * HPI_INV;
    const n = ((Math.trunc(r) | 0) + 0x800000) >> 24;
    const x = fma(-n, HPI, y);
    const s = SIGN[n & 3];
    return sinfPoly(x * s, x * x, wantCos ? n ^ 1 : n, (n & 2) !== 0);
  }
  return Math.fround(wantCos ? Math.cos(y) : Math.sin(y));
}

/** glibc's `sinf` (FMA build) for |x| < 120, rounded to float32. */
export function sinf(x: number): number {
  return sinCosF(x, false);
}

/** glibc's `cosf` (FMA build) for |x| < 120, rounded to float32. */
export function cosf(x: number): number {
  return sinCosF(x, true);
}

// __log_data (double log): ln 2 in two parts, log1p's polynomials and 128 (1/c, log c) pairs.
// From Arm's optimized-routines (MIT licence), as glibc 2.28+ ships them.
const LN2_HI = hexFloat("0x1.62e42fefa3800p-1");
const LN2_LO = hexFloat("0x1.ef35793c76730p-45");
const LOG_A = [
  "-0x1.0000000000001p-1",
  "0x1.555555551305bp-2",
  "-0x1.fffffffeb4590p-3",
  "0x1.999b324f10111p-3",
  "-0x1.55575e506c89fp-3",
].map(hexFloat);
const LOG_B = [
  "-0x1.0000000000000p-1",
  "0x1.5555555555577p-2",
  "-0x1.ffffffffffdcbp-3",
  "0x1.999999995dd0cp-3",
  "-0x1.55555556745a7p-3",
  "0x1.24924a344de30p-3",
  "-0x1.fffffa4423d65p-4",
  "0x1.c7184282ad6cap-4",
  "-0x1.999eb43b068ffp-4",
  "0x1.78182f7afd085p-4",
  "-0x1.5521375d145cdp-4",
].map(hexFloat);
const LOG_TAB: readonly [string, string][] = [
  ["0x1.734f0c3e0de9fp+0", "-0x1.7cc7f79e69000p-2"],
  ["0x1.713786a2ce91fp+0", "-0x1.76feec20d0000p-2"],
  ["0x1.6f26008fab5a0p+0", "-0x1.713e31351e000p-2"],
  ["0x1.6d1a61f138c7dp+0", "-0x1.6b85b38287800p-2"],
  ["0x1.6b1490bc5b4d1p+0", "-0x1.65d5590807800p-2"],
  ["0x1.69147332f0cbap+0", "-0x1.602d076180000p-2"],
  ["0x1.6719f18224223p+0", "-0x1.5a8ca86909000p-2"],
  ["0x1.6524f99a51ed9p+0", "-0x1.54f4356035000p-2"],
  ["0x1.63356aa8f24c4p+0", "-0x1.4f637c36b4000p-2"],
  ["0x1.614b36b9ddc14p+0", "-0x1.49da7fda85000p-2"],
  ["0x1.5f66452c65c4cp+0", "-0x1.445923989a800p-2"],
  ["0x1.5d867b5912c4fp+0", "-0x1.3edf439b0b800p-2"],
  ["0x1.5babccb5b90dep+0", "-0x1.396ce448f7000p-2"],
  ["0x1.59d61f2d91a78p+0", "-0x1.3401e17bda000p-2"],
  ["0x1.5805612465687p+0", "-0x1.2e9e2ef468000p-2"],
  ["0x1.56397cee76bd3p+0", "-0x1.2941b3830e000p-2"],
  ["0x1.54725e2a77f93p+0", "-0x1.23ec58cda8800p-2"],
  ["0x1.52aff42064583p+0", "-0x1.1e9e129279000p-2"],
  ["0x1.50f22dbb2bddfp+0", "-0x1.1956d2b48f800p-2"],
  ["0x1.4f38f4734ded7p+0", "-0x1.141679ab9f800p-2"],
  ["0x1.4d843cfde2840p+0", "-0x1.0edd094ef9800p-2"],
  ["0x1.4bd3ec078a3c8p+0", "-0x1.09aa518db1000p-2"],
  ["0x1.4a27fc3e0258ap+0", "-0x1.047e65263b800p-2"],
  ["0x1.4880524d48434p+0", "-0x1.feb224586f000p-3"],
  ["0x1.46dce1b192d0bp+0", "-0x1.f474a7517b000p-3"],
  ["0x1.453d9d3391854p+0", "-0x1.ea4443d103000p-3"],
  ["0x1.43a2744b4845ap+0", "-0x1.e020d44e9b000p-3"],
  ["0x1.420b54115f8fbp+0", "-0x1.d60a22977f000p-3"],
  ["0x1.40782da3ef4b1p+0", "-0x1.cc00104959000p-3"],
  ["0x1.3ee8f5d57fe8fp+0", "-0x1.c202956891000p-3"],
  ["0x1.3d5d9a00b4ce9p+0", "-0x1.b81178d811000p-3"],
  ["0x1.3bd60c010c12bp+0", "-0x1.ae2c9ccd3d000p-3"],
  ["0x1.3a5242b75dab8p+0", "-0x1.a45402e129000p-3"],
  ["0x1.38d22cd9fd002p+0", "-0x1.9a877681df000p-3"],
  ["0x1.3755bc5847a1cp+0", "-0x1.90c6d69483000p-3"],
  ["0x1.35dce49ad36e2p+0", "-0x1.87120a645c000p-3"],
  ["0x1.34679984dd440p+0", "-0x1.7d68fb4143000p-3"],
  ["0x1.32f5cceffcb24p+0", "-0x1.73cb83c627000p-3"],
  ["0x1.3187775a10d49p+0", "-0x1.6a39a9b376000p-3"],
  ["0x1.301c8373e3990p+0", "-0x1.60b3154b7a000p-3"],
  ["0x1.2eb4ebb95f841p+0", "-0x1.5737d76243000p-3"],
  ["0x1.2d50a0219a9d1p+0", "-0x1.4dc7b8fc23000p-3"],
  ["0x1.2bef9a8b7fd2ap+0", "-0x1.4462c51d20000p-3"],
  ["0x1.2a91c7a0c1babp+0", "-0x1.3b08abc830000p-3"],
  ["0x1.293726014b530p+0", "-0x1.31b996b490000p-3"],
  ["0x1.27dfa5757a1f5p+0", "-0x1.2875490a44000p-3"],
  ["0x1.268b39b1d3bbfp+0", "-0x1.1f3b9f879a000p-3"],
  ["0x1.2539d838ff5bdp+0", "-0x1.160c8252ca000p-3"],
  ["0x1.23eb7aac9083bp+0", "-0x1.0ce7f57f72000p-3"],
  ["0x1.22a012ba940b6p+0", "-0x1.03cdc49fea000p-3"],
  ["0x1.2157996cc4132p+0", "-0x1.f57bdbc4b8000p-4"],
  ["0x1.201201dd2fc9bp+0", "-0x1.e370896404000p-4"],
  ["0x1.1ecf4494d480bp+0", "-0x1.d17983ef94000p-4"],
  ["0x1.1d8f5528f6569p+0", "-0x1.bf9674ed8a000p-4"],
  ["0x1.1c52311577e7cp+0", "-0x1.adc79202f6000p-4"],
  ["0x1.1b17c74cb26e9p+0", "-0x1.9c0c3e7288000p-4"],
  ["0x1.19e010c2c1ab6p+0", "-0x1.8a646b372c000p-4"],
  ["0x1.18ab07bb670bdp+0", "-0x1.78d01b3ac0000p-4"],
  ["0x1.1778a25efbcb6p+0", "-0x1.674f145380000p-4"],
  ["0x1.1648d354c31dap+0", "-0x1.55e0e6d878000p-4"],
  ["0x1.151b990275fddp+0", "-0x1.4485cdea1e000p-4"],
  ["0x1.13f0ea432d24cp+0", "-0x1.333d94d6aa000p-4"],
  ["0x1.12c8b7210f9dap+0", "-0x1.22079f8c56000p-4"],
  ["0x1.11a3028ecb531p+0", "-0x1.10e4698622000p-4"],
  ["0x1.107fbda8434afp+0", "-0x1.ffa6c6ad20000p-5"],
  ["0x1.0f5ee0f4e6bb3p+0", "-0x1.dda8d4a774000p-5"],
  ["0x1.0e4065d2a9fcep+0", "-0x1.bbcece4850000p-5"],
  ["0x1.0d244632ca521p+0", "-0x1.9a1894012c000p-5"],
  ["0x1.0c0a77ce2981ap+0", "-0x1.788583302c000p-5"],
  ["0x1.0af2f83c636d1p+0", "-0x1.5715e67d68000p-5"],
  ["0x1.09ddb98a01339p+0", "-0x1.35c8a49658000p-5"],
  ["0x1.08cabaf52e7dfp+0", "-0x1.149e364154000p-5"],
  ["0x1.07b9f2f4e28fbp+0", "-0x1.e72c082eb8000p-6"],
  ["0x1.06ab58c358f19p+0", "-0x1.a55f152528000p-6"],
  ["0x1.059eea5ecf92cp+0", "-0x1.63d62cf818000p-6"],
  ["0x1.04949cdd12c90p+0", "-0x1.228fb8caa0000p-6"],
  ["0x1.038c6c6f0ada9p+0", "-0x1.c317b20f90000p-7"],
  ["0x1.02865137932a9p+0", "-0x1.419355daa0000p-7"],
  ["0x1.0182427ea7348p+0", "-0x1.81203c2ec0000p-8"],
  ["0x1.008040614b195p+0", "-0x1.0040979240000p-9"],
  ["0x1.fe01ff726fa1ap-1", "0x1.feff384900000p-9"],
  ["0x1.fa11cc261ea74p-1", "0x1.7dc41353d0000p-7"],
  ["0x1.f6310b081992ep-1", "0x1.3cea3c4c28000p-6"],
  ["0x1.f25f63ceeadcdp-1", "0x1.b9fc114890000p-6"],
  ["0x1.ee9c8039113e7p-1", "0x1.1b0d8ce110000p-5"],
  ["0x1.eae8078cbb1abp-1", "0x1.58a5bd001c000p-5"],
  ["0x1.e741aa29d0c9bp-1", "0x1.95c8340d88000p-5"],
  ["0x1.e3a91830a99b5p-1", "0x1.d276aef578000p-5"],
  ["0x1.e01e009609a56p-1", "0x1.07598e598c000p-4"],
  ["0x1.dca01e577bb98p-1", "0x1.253f5e30d2000p-4"],
  ["0x1.d92f20b7c9103p-1", "0x1.42edd8b380000p-4"],
  ["0x1.d5cac66fb5ccep-1", "0x1.606598757c000p-4"],
  ["0x1.d272caa5ede9dp-1", "0x1.7da76356a0000p-4"],
  ["0x1.cf26e3e6b2ccdp-1", "0x1.9ab434e1c6000p-4"],
  ["0x1.cbe6da2a77902p-1", "0x1.b78c7bb0d6000p-4"],
  ["0x1.c8b266d37086dp-1", "0x1.d431332e72000p-4"],
  ["0x1.c5894bd5d5804p-1", "0x1.f0a3171de6000p-4"],
  ["0x1.c26b533bb9f8cp-1", "0x1.067152b914000p-3"],
  ["0x1.bf583eeece73fp-1", "0x1.147858292b000p-3"],
  ["0x1.bc4fd75db96c1p-1", "0x1.2266ecdca3000p-3"],
  ["0x1.b951e0c864a28p-1", "0x1.303d7a6c55000p-3"],
  ["0x1.b65e2c5ef3e2cp-1", "0x1.3dfc33c331000p-3"],
  ["0x1.b374867c9888bp-1", "0x1.4ba366b7a8000p-3"],
  ["0x1.b094b211d304ap-1", "0x1.5933928d1f000p-3"],
  ["0x1.adbe885f2ef7ep-1", "0x1.66acd2418f000p-3"],
  ["0x1.aaf1d31603da2p-1", "0x1.740f8ec669000p-3"],
  ["0x1.a82e63fd358a7p-1", "0x1.815c0f51af000p-3"],
  ["0x1.a5740ef09738bp-1", "0x1.8e92954f68000p-3"],
  ["0x1.a2c2a90ab4b27p-1", "0x1.9bb3602f84000p-3"],
  ["0x1.a01a01393f2d1p-1", "0x1.a8bed1c2c0000p-3"],
  ["0x1.9d79f24db3c1bp-1", "0x1.b5b515c01d000p-3"],
  ["0x1.9ae2505c7b190p-1", "0x1.c2967ccbcc000p-3"],
  ["0x1.9852ef297ce2fp-1", "0x1.cf635d5486000p-3"],
  ["0x1.95cbaeea44b75p-1", "0x1.dc1bd3446c000p-3"],
  ["0x1.934c69de74838p-1", "0x1.e8c01b8cfe000p-3"],
  ["0x1.90d4f2f6752e6p-1", "0x1.f5509c0179000p-3"],
  ["0x1.8e6528effd79dp-1", "0x1.00e6c121fb800p-2"],
  ["0x1.8bfce9fcc007cp-1", "0x1.071b80e93d000p-2"],
  ["0x1.899c0dabec30ep-1", "0x1.0d46b9e867000p-2"],
  ["0x1.87427aa2317fbp-1", "0x1.13687334bd000p-2"],
  ["0x1.84f00acb39a08p-1", "0x1.1980d67234800p-2"],
  ["0x1.82a49e8653e55p-1", "0x1.1f8ffe0cc8000p-2"],
  ["0x1.8060195f40260p-1", "0x1.2595fd7636800p-2"],
  ["0x1.7e22563e0a329p-1", "0x1.2b9300914a800p-2"],
  ["0x1.7beb377dcb5adp-1", "0x1.3187210436000p-2"],
  ["0x1.79baa679725c2p-1", "0x1.377266dec1800p-2"],
  ["0x1.77907f2170657p-1", "0x1.3d54ffbaf3000p-2"],
  ["0x1.756cadbd6130cp-1", "0x1.432eee32fe000p-2"],
];
const LOG_INVC = new Float64Array(LOG_TAB.map((e) => hexFloat(e[0])));
const LOG_LOGC = new Float64Array(LOG_TAB.map((e) => hexFloat(e[1])));
const LOG_OFF = 0x3fe6000000000000n;
const LOG_LO = 0x3fee000000000000n; // asuint64(1 - 0x1p-4)
const LOG_HI = 0x3ff1090000000000n; // asuint64(1 + 0x1.09p-4)
const dview = new DataView(new ArrayBuffer(8));

/**
 * glibc's double `log` (FMA build) for x in (0, 1], the arguments `randn`'s double paths
 * produce; other arguments fall back to `Math.log`.
 */
export function log(x: number): number {
  if (!(x > 0 && x <= 1)) return Math.log(x);
  dview.setFloat64(0, x);
  const ix = dview.getBigUint64(0);
  if (ix >= LOG_LO && ix - LOG_LO < LOG_HI - LOG_LO) {
    if (x === 1) return 0;
    const r = x - 1;
    const r2 = r * r;
    const r3 = r * r2;
    const B = LOG_B;
    const p3 = fma(r3, B[10], fma(r2, B[9], fma(r, B[8], B[7])));
    const p2 = fma(r3, p3, fma(r2, B[6], fma(r, B[5], B[4])));
    const p1 = fma(r3, p2, fma(r2, B[3], fma(r, B[2], B[1])));
    const w0 = r * 134217728;
    const rhi = r + w0 - w0;
    const rlo = r - rhi;
    const w = rhi * rhi * B[0];
    const hi = r + w;
    let lo = r - hi + w;
    lo = fma(B[0] * rlo, rhi + r, lo);
    return fma(r3, p1, lo) + hi;
  }
  let bits = ix;
  if (x < 2.2250738585072014e-308) {
    dview.setFloat64(0, x * 4503599627370496);
    bits = dview.getBigUint64(0) - (52n << 52n);
  }
  const tmp = bits - LOG_OFF;
  const i = Number((tmp >> 45n) & 127n);
  const k = Number(BigInt.asIntN(64, tmp) >> 52n);
  dview.setBigUint64(0, bits - (tmp & (0xfffn << 52n)));
  const z = dview.getFloat64(0);
  const r = fma(z, LOG_INVC[i], -1);
  const w = fma(k, LN2_HI, LOG_LOGC[i]);
  const hi = w + r;
  const lo = fma(k, LN2_LO, w - hi + r);
  const r2 = r * r;
  const A = LOG_A;
  const q = fma(r2, fma(r, A[4], A[3]), fma(r, A[2], A[1]));
  return fma(r * r2, q, fma(r2, A[0], lo)) + hi;
}
