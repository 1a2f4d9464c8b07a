/* For the wine check only (scripts/package-check.sh), never shipped: Rust's standard library
 * takes its random numbers from ProcessPrng in bcryptprimitives.dll, which every Windows 10/11
 * has but Debian 12's wine 8.0 lacks. This stand-in answers ProcessPrng from wine's own
 * BCryptGenRandom (the system RNG). */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
        if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
