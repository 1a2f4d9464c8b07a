// Observant: the same elementary functions on every platform.
//
// whisper.cpp and ggml call the C library's exp, log, log10, tanh, sin and cos (and their
// float forms), e.g. expf for every key in the encoder's flash attention, log10 for every mel
// bin, sinf/cosf for the FFT tables. glibc and mingw-w64 compute these differently in the
// last bit (mingw-w64 through the x87 unit, and its expf/tanhf as (float)exp/(float)tanh), and
// greedy decoding amplifies a last-bit difference into another word: the same recording gave
// another transcript on Windows than on Linux. Linked into every whisper.cpp/ggml library
// (OBSERVANT_PORTABLE_MATH), these definitions take the place of the C library's there, so
// Linux and Windows builds compute the same numbers.
//
// The float functions are their double functions rounded once (f(x) = (float)F((double)x)),
// except expf, which is hot (flash attention) and has a faster path of its own; Windows builds
// use mingw-w64's math.h without its inline expf/tanhf (-D__CRT__NO_INLINE), so every caller
// reaches these definitions. The double functions are accurate to about one unit in the last
// place:
//   exp    table of 2^(j/64) and a degree-6 polynomial on |r| <= ln2/128 (Tang 1989);
//   log    m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(f/(2+f)) as in fdlibm,
//          with the exact atanh series to z^12 instead of fdlibm's minimax coefficients;
//   log10  log(m)/ln(10) + e log10(2) (fdlibm's split);
//   tanh   expm1(2|x|) / (expm1(2|x|) + 2), expm1 by its Taylor series below |x| < 0.5;
//   sin, cos  x - k pi/2 (Cody-Waite, three parts) and Taylor kernels on |r| <= pi/4; beyond
//          |x| >= 2^19 (never reached by whisper.cpp) the C library's long-double function.
// Compiled without FMA contraction, so every compiler setting gives the same roundings.
#pragma GCC optimize("fp-contract=off")

#include <stdint.h>
#include <string.h>

#if defined(__ELF__)
#define OBS_API __attribute__((visibility("hidden")))
#else
#define OBS_API
#endif

long double sinl(long double);
long double cosl(long double);

static inline uint64_t bits_of(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static inline double from_bits(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

// 2^(j/64), correctly rounded.
static const double T64[64] = {
    0x1.0000000000000p+0, 0x1.02c9a3e778061p+0, 0x1.059b0d3158574p+0, 0x1.0874518759bc8p+0,
    0x1.0b5586cf9890fp+0, 0x1.0e3ec32d3d1a2p+0, 0x1.11301d0125b51p+0, 0x1.1429aaea92de0p+0,
    0x1.172b83c7d517bp+0, 0x1.1a35beb6fcb75p+0, 0x1.1d4873168b9aap+0, 0x1.2063b88628cd6p+0,
    0x1.2387a6e756238p+0, 0x1.26b4565e27cddp+0, 0x1.29e9df51fdee1p+0, 0x1.2d285a6e4030bp+0,
    0x1.306fe0a31b715p+0, 0x1.33c08b26416ffp+0, 0x1.371a7373aa9cbp+0, 0x1.3a7db34e59ff7p+0,
    0x1.3dea64c123422p+0, 0x1.4160a21f72e2ap+0, 0x1.44e086061892dp+0, 0x1.486a2b5c13cd0p+0,
    0x1.4bfdad5362a27p+0, 0x1.4f9b2769d2ca7p+0, 0x1.5342b569d4f82p+0, 0x1.56f4736b527dap+0,
    0x1.5ab07dd485429p+0, 0x1.5e76f15ad2148p+0, 0x1.6247eb03a5585p+0, 0x1.6623882552225p+0,
    0x1.6a09e667f3bcdp+0, 0x1.6dfb23c651a2fp+0, 0x1.71f75e8ec5f74p+0, 0x1.75feb564267c9p+0,
    0x1.7a11473eb0187p+0, 0x1.7e2f336cf4e62p+0, 0x1.82589994cce13p+0, 0x1.868d99b4492edp+0,
    0x1.8ace5422aa0dbp+0, 0x1.8f1ae99157736p+0, 0x1.93737b0cdc5e5p+0, 0x1.97d829fde4e50p+0,
    0x1.9c49182a3f090p+0, 0x1.a0c667b5de565p+0, 0x1.a5503b23e255dp+0, 0x1.a9e6b5579fdbfp+0,
    0x1.ae89f995ad3adp+0, 0x1.b33a2b84f15fbp+0, 0x1.b7f76f2fb5e47p+0, 0x1.bcc1e904bc1d2p+0,
    0x1.c199bdd85529cp+0, 0x1.c67f12e57d14bp+0, 0x1.cb720dcef9069p+0, 0x1.d072d4a07897cp+0,
    0x1.d5818dcfba487p+0, 0x1.da9e603db3285p+0, 0x1.dfc97337b9b5fp+0, 0x1.e502ee78b3ff6p+0,
    0x1.ea4afa2a490dap+0, 0x1.efa1bee615a27p+0, 0x1.f50765b6e4540p+0, 0x1.fa7c1819e90d8p+0,
};

// The bits of 2^(j/64) minus j << 46, so that adding k << 46 (k = 64 e + j) gives 2^(k/64).
static const uint64_t T64_BITS[64] = {
    0x3ff0000000000000ULL, 0x3fefec9a3e778061ULL, 0x3fefd9b0d3158574ULL, 0x3fefc74518759bc8ULL,
    0x3fefb5586cf9890fULL, 0x3fefa3ec32d3d1a2ULL, 0x3fef9301d0125b51ULL, 0x3fef829aaea92de0ULL,
    0x3fef72b83c7d517bULL, 0x3fef635beb6fcb75ULL, 0x3fef54873168b9aaULL, 0x3fef463b88628cd6ULL,
    0x3fef387a6e756238ULL, 0x3fef2b4565e27cddULL, 0x3fef1e9df51fdee1ULL, 0x3fef1285a6e4030bULL,
    0x3fef06fe0a31b715ULL, 0x3feefc08b26416ffULL, 0x3feef1a7373aa9cbULL, 0x3feee7db34e59ff7ULL,
    0x3feedea64c123422ULL, 0x3feed60a21f72e2aULL, 0x3feece086061892dULL, 0x3feec6a2b5c13cd0ULL,
    0x3feebfdad5362a27ULL, 0x3feeb9b2769d2ca7ULL, 0x3feeb42b569d4f82ULL, 0x3feeaf4736b527daULL,
    0x3feeab07dd485429ULL, 0x3feea76f15ad2148ULL, 0x3feea47eb03a5585ULL, 0x3feea23882552225ULL,
    0x3feea09e667f3bcdULL, 0x3fee9fb23c651a2fULL, 0x3fee9f75e8ec5f74ULL, 0x3fee9feb564267c9ULL,
    0x3feea11473eb0187ULL, 0x3feea2f336cf4e62ULL, 0x3feea589994cce13ULL, 0x3feea8d99b4492edULL,
    0x3feeace5422aa0dbULL, 0x3feeb1ae99157736ULL, 0x3feeb737b0cdc5e5ULL, 0x3feebd829fde4e50ULL,
    0x3feec49182a3f090ULL, 0x3feecc667b5de565ULL, 0x3feed503b23e255dULL, 0x3feede6b5579fdbfULL,
    0x3feee89f995ad3adULL, 0x3feef3a2b84f15fbULL, 0x3feeff76f2fb5e47ULL, 0x3fef0c1e904bc1d2ULL,
    0x3fef199bdd85529cULL, 0x3fef27f12e57d14bULL, 0x3fef3720dcef9069ULL, 0x3fef472d4a07897cULL,
    0x3fef5818dcfba487ULL, 0x3fef69e603db3285ULL, 0x3fef7c97337b9b5fULL, 0x3fef902ee78b3ff6ULL,
    0x3fefa4afa2a490daULL, 0x3fefba1bee615a27ULL, 0x3fefd0765b6e4540ULL, 0x3fefe7c1819e90d8ULL
};

// expf: x = k ln2/64 + r with r rounded in units of ln2/64; 2^(k/64) from the table and
// exp(r) - 1 to degree 3 (r <= ln2/128: the next term is below 4e-11, float's unit is 6e-8).
// Far from |x| < 87 (overflow, underflow, NaN) the double function rounded.
static double obs_exp(double x);
static float obs_expf(float x) {
    const double xd = (double) x;
    if (!(xd > -87.0 && xd < 87.0)) return (float) obs_exp(xd);
    const double shift = 0x1.8p52;
    const double z = xd * 0x1.71547652b82fep+6;
    double kd = z + shift;
    const uint64_t ki = bits_of(kd);
    kd -= shift;
    const double r = z - kd; // |r| <= 1/2, in units of ln2/64
    const double s = from_bits(T64_BITS[ki & 63] + (ki << 46));
    const double p = r * (0x1.62e42fefa39efp-7 + r * (0x1.ebfbdff82c58fp-15 + r * 0x1.c6b08d704a0c0p-23));
    return (float) (s + s * p);
}

static double obs_exp(double x) {
    if (x != x) return x + x;
    if (x > 0x1.62e42fefa39efp+9) return 0x1p1023 * 0x1p1023; // overflow: +inf
    if (x < -0x1.74910d52d3052p+9) return 0x1p-1022 * 0x1p-1022; // underflow: +0
    // x = (64 e + j) ln2/64 + r, |r| <= ln2/128.
    const double shift = 0x1.8p52;
    double kd = x * 0x1.71547652b82fep+6 + shift;
    kd -= shift;
    const int64_t k = (int64_t) kd;
    const double r = (x - kd * 0x1.62e42fefa0000p-7) - kd * 0x1.cf79abc9e3b3ap-46;
    const int j = (int) (k & 63);
    const int64_t e = (k - j) / 64;
    // exp(r) - 1 to degree 6 (the next term is below 3e-20).
    const double p = r + r * r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720)))));
    const double y = T64[j] + T64[j] * p;
    if (e >= -1022) return y * from_bits((uint64_t) (e + 1023) << 52);
    return (y * from_bits((uint64_t) (e + 1000 + 1023) << 52)) * 0x1p-1000;
}

// expm1 for |x| < 0.5 by its Taylor series (to x^17, error below 2e-20 relative), else exp - 1.
static double obs_expm1(double x) {
    if (x > -0.5 && x < 0.5) {
        // 1/(i+2)!
        static const double inv_fact[16] = {
            1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
            1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
            1.0 / 87178291200.0, 1.0 / 1307674368000.0, 1.0 / 20922789888000.0,
            1.0 / 355687428096000.0,
        };
        double t = inv_fact[15];
        for (int i = 14; i >= 0; i--) t = inv_fact[i] + x * t;
        return x + x * x * t;
    }
    return obs_exp(x) - 1.0;
}

// x = m 2^e with m = 1 + f in [sqrt(1/2), sqrt(2)]; log(m) = f - rest.
static void obs_log_parts(double x, int *e_out, double *f_out, double *rest_out) {
    uint64_t u = bits_of(x);
    int e = (int) ((u >> 52) & 0x7ff);
    if (e == 0) { // subnormal
        u = bits_of(x * 0x1p54);
        e = (int) ((u >> 52) & 0x7ff) - 54;
    }
    e -= 1023;
    u = (u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; // m in [1, 2)
    double m = from_bits(u);
    if (m > 0x1.6a09e667f3bcdp+0) { m *= 0.5; e += 1; } // m in [sqrt(1/2), sqrt(2)]
    const double f = m - 1.0; // exact
    const double s = f / (2.0 + f);
    const double z = s * s;
    // 2 atanh(s) = 2s + s R(z), R(z) = sum_{k>=1} 2 z^k / (2k + 1), to z^12.
    double R = 2.0 / 25;
    for (int k = 11; k >= 1; k--) R = 2.0 / (2 * k + 1) + z * R;
    R *= z;
    const double hfsq = 0.5 * f * f;
    *e_out = e;
    *f_out = f;
    // log(m) = f - (hfsq - s (hfsq + R))
    *rest_out = hfsq - s * (hfsq + R);
}

static double obs_log(double x) {
    if (x != x) return x + x;
    if (x < 0) return (x - x) / (x - x); // NaN
    if (x == 0) return -1.0 / (x * x); // -inf
    if (x == 1.0 / 0.0) return x;
    int e; double f, rest;
    obs_log_parts(x, &e, &f, &rest);
    const double de = (double) e;
    return de * 0x1.62e42fefa3800p-1 + ((f - rest) + de * 0x1.ef35793c76730p-45);
}

static double obs_log10(double x) {
    if (x != x) return x + x;
    if (x < 0) return (x - x) / (x - x);
    if (x == 0) return -1.0 / (x * x);
    if (x == 1.0 / 0.0) return x;
    int e; double f, rest;
    obs_log_parts(x, &e, &f, &rest);
    const double de = (double) e;
    const double lm = f - rest; // log(m)
    return de * 0x1.34413509f7800p-2 + (de * 0x1.fef311f12b358p-46 + lm * 0x1.bcb7b1526e50ep-2);
}

static double obs_tanh(double x) {
    if (x != x) return x + x;
    const double a = x < 0 ? -x : x;
    double t;
    if (a < 0x1p-28) return x;
    if (a >= 22.0) t = 1.0;
    else {
        const double em = obs_expm1(2.0 * a);
        t = em / (em + 2.0);
    }
    return x < 0 ? -t : t;
}

// sin and cos of |r| <= pi/4 (Taylor to r^23 / r^22: errors below 2e-25).
static double sin_kernel(double r) {
    const double z = r * r;
    static const double c[11] = {
        -1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800, 1.0 / 6227020800.0,
        -1.0 / 1307674368000.0, 1.0 / 355687428096000.0, -1.0 / 121645100408832000.0,
        1.0 / 51090942171709440000.0, -1.0 / 25852016738884976640000.0,
    };
    double p = c[10];
    for (int i = 9; i >= 0; i--) p = c[i] + z * p;
    return r + r * z * p;
}
static double cos_kernel(double r) {
    const double z = r * r;
    static const double c[10] = {
        1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200.0,
        1.0 / 20922789888000.0, -1.0 / 6402373705728000.0, 1.0 / 2432902008176640000.0,
        -1.0 / 1124000727777607680000.0,
    };
    double p = c[9];
    for (int i = 8; i >= 0; i--) p = c[i] + z * p;
    // 1 - z/2 + z^2 p, with the large term first.
    const double hz = 0.5 * z;
    const double w = 1.0 - hz;
    return w + (((1.0 - w) - hz) + z * z * p);
}

// Beyond 2^19 the C library's long-double functions, in functions of their own: inlined, the
// pair would be merged into one sincosl call, which on mingw-w64 brings in its own sincos and
// sincosf (a duplicate definition).
__attribute__((noinline)) static double big_sin(double x) { return (double) sinl(x); }
__attribute__((noinline)) static double big_cos(double x) { return (double) cosl(x); }

// sin and cos together; quadrant from x - k pi/2.
static void obs_sincos(double x, double *s, double *c) {
    const double a = x < 0 ? -x : x;
    if (x != x || a == 1.0 / 0.0) { *s = *c = x - x; return; }
    if (a < 0x1p-27) { *s = x; *c = 1.0; return; }
    if (a >= 0x1p19) { *s = big_sin(x); *c = big_cos(x); return; }
    const double shift = 0x1.8p52;
    double kd = x * 0x1.45f306dc9c883p-1 + shift;
    kd -= shift;
    const int64_t k = (int64_t) kd;
    const double r = ((x - kd * 0x1.921fb54400000p+0) - kd * 0x1.0b4611a600000p-34) - kd * 0x1.3198a2e037073p-69;
    const double sr = sin_kernel(r), cr = cos_kernel(r);
    switch (k & 3) {
        case 0: *s = sr; *c = cr; break;
        case 1: *s = cr; *c = -sr; break;
        case 2: *s = -sr; *c = -cr; break;
        default: *s = -cr; *c = sr; break;
    }
}

OBS_API double exp(double x) { return obs_exp(x); }
OBS_API float expf(float x) { return obs_expf(x); }
OBS_API double log(double x) { return obs_log(x); }
OBS_API float logf(float x) { return (float) obs_log((double) x); }
OBS_API double log10(double x) { return obs_log10(x); }
OBS_API float log10f(float x) { return (float) obs_log10((double) x); }
OBS_API double tanh(double x) { return obs_tanh(x); }
OBS_API float tanhf(float x) { return (float) obs_tanh((double) x); }
OBS_API double sin(double x) { double s, c; obs_sincos(x, &s, &c); return s; }
OBS_API double cos(double x) { double s, c; obs_sincos(x, &s, &c); return c; }
OBS_API float sinf(float x) { double s, c; obs_sincos(x, &s, &c); return (float) s; }
OBS_API float cosf(float x) { double s, c; obs_sincos(x, &s, &c); return (float) c; }
OBS_API void sincos(double x, double *s, double *c) { obs_sincos(x, s, c); }
OBS_API void sincosf(float x, float *s, float *c) {
    double ds, dc;
    obs_sincos(x, &ds, &dc);
    *s = (float) ds;
    *c = (float) dc;
}
