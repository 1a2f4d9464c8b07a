/* The four CPU feature queries whisper-rs's `SystemInfo` refers to (ggml_cpu_has_avx, _avx2,
 * _fma, _f16c). In the portable build they live in the CPU backend module chosen at run time,
 * which the executable does not link. On Linux the linker drops the unused reference; the
 * Windows (PE) linker wants it resolved anyway. So the Windows build links these, which answer
 * from the running CPU (CPUID) like ggml's own. Observant itself does not call them.
 * Linked by scripts/package.sh (windows) only. */
#include <cpuid.h>

static int leaf1_ecx(unsigned bit) {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) ? (int)((c >> bit) & 1u) : 0;
}

int ggml_cpu_has_avx(void) { return leaf1_ecx(28); }
int ggml_cpu_has_fma(void) { return leaf1_ecx(12); }
int ggml_cpu_has_f16c(void) { return leaf1_ecx(29); }
int ggml_cpu_has_avx2(void) {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) ? (int)((b >> 5) & 1u) : 0;
}
