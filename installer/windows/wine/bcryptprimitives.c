/* bcryptprimitives.dll for Wine 8.0 test prefixes only (never shipped, never on a real PC).
 *
 * Rust >= 1.78 programs get their random bytes from bcryptprimitives.dll!ProcessPrng, which
 * Wine 8.0 (Debian bookworm) does not provide, so pydantic-core's and cryptography's Rust
 * extensions fail to load there ("DLL load failed while importing _pydantic_core"). Windows
 * 10+ has the real DLL. This one answers ProcessPrng from advapi32's RtlGenRandom
 * (SystemFunction036), which Wine implements. Built by installer/windows/winebuild.py with
 * x86_64-w64-mingw32-gcc and copied into the prefix's system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
