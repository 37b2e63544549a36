/*
 * The two checksums of protocol v5 framing (v5 spec §2.1, §2.2). Pure functions over
 * caller-owned bytes: nothing is allocated and no state survives a call.
 *
 * CRC24 guards a frame header. The spec gives the polynomial 0x1974F0B and the initial
 * value 0x875060; the bit order it leaves unsaid is the one Cassandra's server uses: each
 * byte enters the top of the 24-bit register, most significant bit first (not reflected),
 * bytes in wire order, no final xor. The frame stores the result little-endian.
 *
 * CRC32 guards a frame payload. It is the IEEE CRC-32 of zlib and Ethernet (reflected
 * polynomial 0xEDB88320, pre- and post-inverted), but the server starts it as if the four
 * bytes FA 2D 55 CA preceded the payload; the spec does not say so, the server (and every
 * driver) does. The frame stores the result little-endian.
 */
#ifndef CQLIO_PROTO_CRC_H
#define CQLIO_PROTO_CRC_H

#include <stddef.h>
#include <stdint.h>

#define CQL_CRC24_INIT 0x875060u
/* zlib.crc32(b"\xfa\x2d\x55\xca"): the v5 payload CRC32 after its four implicit bytes. */
#define CQL_CRC32_V5_INIT 0x44777ED3u

/* Continues a CRC24 over p[0..n); pass CQL_CRC24_INIT to start. Returns 24 bits.
 * p is borrowed for the call only (and may be NULL when n is 0). */
uint32_t cql_crc24(uint32_t crc, const uint8_t *p, size_t n);

/* Continues an IEEE CRC-32 over p[0..n) with zlib.crc32's convention: `crc` is a previous
 * result, 0 to start. p is borrowed for the call only (and may be NULL when n is 0). */
uint32_t cql_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* The CRC24 of a v5 frame header's first n bytes (3 uncompressed, 5 LZ4). */
static inline uint32_t cql_crc24_v5(const uint8_t *p, size_t n)
{
    return cql_crc24(CQL_CRC24_INIT, p, n);
}

/* The CRC32 trailer of a v5 frame whose payload (compressed, if it is) is p[0..n). */
static inline uint32_t cql_crc32_v5(const uint8_t *p, size_t n)
{
    return cql_crc32(CQL_CRC32_V5_INIT, p, n);
}

#endif
