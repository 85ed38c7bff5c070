// The bounds-checked FlatBuffers reader on a hand-built buffer and on malformed variants of it:
// every violation is an error with a message, later reads return defaults, nothing reads outside.
#include <stdlib.h>
#include <string.h>

#include "tm_test.h"
#include "tm_flatbuffer.h"

// A hand-built flatbuffer (little-endian):
//   [0]  uoffset to the root table = 16
//   [4]  file identifier "TFL3"
//   [8]  vtable: vt_len 8, tab_len 8, field0 at +4, field1 absent
//   [16] table: soffset 8 (vtable at 16 - 8), field0 = uoffset 4 -> vector at 24
//   [24] vector length 3, then int32 elements 7, -1, 1000
// clang-format off
static const uint8_t good[40] = {
    16, 0, 0, 0, 'T', 'F', 'L', '3',
    8, 0, 8, 0, 4, 0, 0, 0,
    8, 0, 0, 0, 4, 0, 0, 0,
    3, 0, 0, 0, 7, 0, 0, 0,
    0xff, 0xff, 0xff, 0xff, 0xe8, 0x03, 0, 0,
};
// clang-format on

static void test_good_buffer(void) {
    tm_error err;
    tm_error_clear(&err);
    tm_fb fb;
    tm_fb_init(&fb, good, sizeof good, &err);
    tm_fb_table root = tm_fb_root(&fb, "TFL3");
    TM_CHECK(tm_fb_table_present(&root));
    tm_fb_vec v = tm_fb_vec_field(&root, 0, 4);
    TM_CHECK_EQ(v.len, 3);
    TM_CHECK_EQ(tm_fb_vec_i32(&v, 0), 7);
    TM_CHECK_EQ(tm_fb_vec_i32(&v, 1), -1);
    TM_CHECK_EQ(tm_fb_vec_i32(&v, 2), 1000);
    TM_CHECK_EQ(tm_fb_i32(&root, 1, 42), 42); // absent field: default
    TM_CHECK_EQ(tm_fb_i32(&root, 9, -5), -5); // beyond the vtable: default
    TM_CHECK(tm_fb_ok(&fb));
    // An index past the end is an error, not a read.
    TM_CHECK_EQ(tm_fb_vec_i32(&v, 3), 0);
    TM_CHECK(!tm_fb_ok(&fb));
    TM_CHECK(strstr(err.text, "out of range") != NULL);
    // Sticky: after an error every read gives its absent value.
    TM_CHECK_EQ(tm_fb_vec_i32(&v, 0), 0);
}

// Loads a modified copy and returns the error status after reading the vector.
static tm_status read_variant(const uint8_t *buf, size_t len, tm_error *err) {
    tm_error_clear(err);
    tm_fb fb;
    tm_fb_init(&fb, buf, len, err);
    tm_fb_table root = tm_fb_root(&fb, "TFL3");
    tm_fb_vec v = tm_fb_vec_field(&root, 0, 4);
    for (uint32_t i = 0; i < v.len; ++i) {
        (void)tm_fb_vec_i32(&v, i);
    }
    return err->status;
}

static void test_malformed(void) {
    uint8_t b[sizeof good];
    tm_error err;

    TM_CHECK_EQ(read_variant(good, 7, &err), TM_ERR_MODEL); // shorter than a header
    TM_CHECK(strstr(err.text, "too short") != NULL);

    memcpy(b, good, sizeof b);
    b[4] = 'X'; // wrong identifier
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);
    TM_CHECK(strstr(err.text, "identifier") != NULL);

    memcpy(b, good, sizeof b);
    b[0] = 200; // root offset past the end
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    memcpy(b, good, sizeof b);
    b[16] = 100; // vtable before the buffer start
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    memcpy(b, good, sizeof b);
    b[16] = 0xf8;
    b[17] = 0xff;
    b[18] = 0xff;
    b[19] = 0xff; // vtable at 24, vt_len 3 (odd)
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    memcpy(b, good, sizeof b);
    b[10] = 0xff;
    b[11] = 0x7f; // table size past the end
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    memcpy(b, good, sizeof b);
    b[12] = 6; // field 0 straddles the table end
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    memcpy(b, good, sizeof b);
    b[24] = 0xff;
    b[25] = 0xff;
    b[26] = 0xff;
    b[27] = 0x7f; // vector length 2^31 - 1
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);
    TM_CHECK(strstr(err.text, "vector length") != NULL);

    memcpy(b, good, sizeof b);
    b[24] = 4; // one element too many
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    memcpy(b, good, sizeof b);
    b[20] = 0xf0;
    b[21] = 0xff;
    b[22] = 0xff;
    b[23] = 0xff; // vector offset wraps around
    TM_CHECK_EQ(read_variant(b, sizeof b, &err), TM_ERR_MODEL);

    TM_CHECK_EQ(read_variant(good, sizeof good - 1, &err), TM_ERR_MODEL); // truncated by one byte
    TM_CHECK_EQ(read_variant(good, sizeof good, &err), TM_OK);
}

static void test_every_truncation_and_bit_flip(void) {
    // No truncation or single-bit flip may read outside the buffer (ASan watches); each ends OK or
    // with an error that has a message.
    uint8_t b[sizeof good];
    tm_error err;
    for (size_t len = 0; len <= sizeof good; ++len) {
        uint8_t *copy = (uint8_t *)malloc(len ? len : 1); // exact size: ASan sees any over-read
        memcpy(copy, good, len);
        if (read_variant(copy, len, &err) != TM_OK) {
            TM_CHECK(err.text[0] != '\0');
        }
        free(copy);
    }
    for (size_t bit = 0; bit < 8 * sizeof good; ++bit) {
        memcpy(b, good, sizeof b);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (read_variant(b, sizeof b, &err) != TM_OK) {
            TM_CHECK(err.text[0] != '\0');
        }
    }
}

int main(void) {
    TM_RUN(test_good_buffer);
    TM_RUN(test_malformed);
    TM_RUN(test_every_truncation_and_bit_flip);
    return tm_test_summary("test_flatbuffer");
}
