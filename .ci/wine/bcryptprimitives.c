/*
 * ProcessPrng for Wine 8 (Debian 12), which lacks bcryptprimitives.dll.
 *
 * Go's Windows runtime (since Go 1.22) loads ProcessPrng from
 * bcryptprimitives.dll at start and aborts without it. This DLL exists only
 * so that the Windows builds of Ardoise's tests can run under Wine in CI; it
 * is never shipped. It draws from RtlGenRandom (advapi32's SystemFunction036),
 * which Wine implements.
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
		if (!RtlGenRandom(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
