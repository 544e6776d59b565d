#ifndef AKASHI_CPNG_SHIM_H
#define AKASHI_CPNG_SHIM_H
#include <png.h>
#include <setjmp.h>
#include <string.h>

/*
 * libpng reports errors with longjmp, and a longjmp must never cross a Swift
 * frame. The classic write API is therefore driven through the one guard below:
 * it sets the jump target in C, runs the fixed write sequence (no Swift code
 * in between, except the write callback, which always returns normally) and
 * turns a libpng error into a return value with the message kept in
 * `akashi_png_error`. Reading uses libpng's simplified API, which has its own
 * guard and needs no help here.
 */

typedef struct akashi_png_error {
    char message[256];
} akashi_png_error;

static void akashi_png_on_error(png_structp png, png_const_charp message) {
    akashi_png_error *error = (akashi_png_error *)png_get_error_ptr(png);
    if (error != NULL) {
        strncpy(error->message, message != NULL ? message : "unknown libpng error",
                sizeof error->message - 1);
        error->message[sizeof error->message - 1] = '\0';
    }
    png_longjmp(png, 1);
}

static void akashi_png_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* A write struct whose errors land in `error` instead of stderr + abort. NULL on failure. */
static inline png_structp akashi_png_create_write_struct(akashi_png_error *error) {
    return png_create_write_struct(PNG_LIBPNG_VER_STRING, error,
                                   akashi_png_on_error, akashi_png_on_warning);
}

/* Writes a whole non-interlaced image. Returns 1 on success, 0 if libpng raised an error. */
static inline int akashi_png_write_image(png_structp png, png_infop info,
                                         png_uint_32 width, png_uint_32 height,
                                         int bit_depth, int color_type,
                                         png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) {
        return 0;
    }
    png_set_IHDR(png, info, width, height, bit_depth, color_type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    return 1;
}

#endif
