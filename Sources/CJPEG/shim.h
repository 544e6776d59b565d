#ifndef AKASHI_CJPEG_SHIM_H
#define AKASHI_CJPEG_SHIM_H
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/*
 * libjpeg's default error handler calls exit(), and the only way to recover
 * from its errors is a longjmp, which must never cross a Swift frame. Each
 * function below sets the jump target in C, makes its libjpeg calls and
 * returns 1 on success or 0 if libjpeg raised an error (message in
 * `error.message`). Warnings (e.g. "premature end of data") are counted, not
 * printed. The encoder writes into a growable malloc buffer that it owns, so
 * that a failure half-way never leaves a dangling or double-freed buffer.
 */

typedef struct akashi_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    long warnings;
} akashi_jpeg_error;

static void akashi_jpeg_error_exit(j_common_ptr info) {
    akashi_jpeg_error *error = (akashi_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

static void akashi_jpeg_emit_message(j_common_ptr info, int level) {
    akashi_jpeg_error *error = (akashi_jpeg_error *)info->err;
    if (level < 0) {
        error->warnings += 1;
    }
}

static inline void akashi_jpeg_error_init(akashi_jpeg_error *error) {
    memset(error, 0, sizeof *error);
    jpeg_std_error(&error->manager);
    error->manager.error_exit = akashi_jpeg_error_exit;
    error->manager.emit_message = akashi_jpeg_emit_message;
}

/* ---- decoding ---- */

typedef struct akashi_jpeg_decoder {
    struct jpeg_decompress_struct info;
    akashi_jpeg_error error;
} akashi_jpeg_decoder;

/* NULL if out of memory. */
static inline akashi_jpeg_decoder *akashi_jpeg_decoder_create(void) {
    akashi_jpeg_decoder *decoder = (akashi_jpeg_decoder *)calloc(1, sizeof *decoder);
    if (decoder == NULL) {
        return NULL;
    }
    akashi_jpeg_error_init(&decoder->error);
    decoder->info.err = &decoder->error.manager;
    if (setjmp(decoder->error.jump)) {
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    return decoder;
}

static inline void akashi_jpeg_decoder_destroy(akashi_jpeg_decoder *decoder) {
    jpeg_destroy_decompress(&decoder->info);
    free(decoder);
}

/* `bytes` must stay valid until the decoder is finished or destroyed. */
static inline int akashi_jpeg_decoder_read_header(akashi_jpeg_decoder *decoder,
                                                  const unsigned char *bytes,
                                                  unsigned long count) {
    if (setjmp(decoder->error.jump)) {
        return 0;
    }
    jpeg_mem_src(&decoder->info, bytes, count);
    return jpeg_read_header(&decoder->info, TRUE) == JPEG_HEADER_OK;
}

static inline int akashi_jpeg_decoder_start(akashi_jpeg_decoder *decoder) {
    if (setjmp(decoder->error.jump)) {
        return 0;
    }
    return jpeg_start_decompress(&decoder->info) ? 1 : 0;
}

/* Reads up to `count` scanlines; the number read, or -1 on error. */
static inline long akashi_jpeg_decoder_read_rows(akashi_jpeg_decoder *decoder,
                                                 JSAMPARRAY rows, unsigned int count) {
    if (setjmp(decoder->error.jump)) {
        return -1;
    }
    return (long)jpeg_read_scanlines(&decoder->info, rows, count);
}

static inline int akashi_jpeg_decoder_finish(akashi_jpeg_decoder *decoder) {
    if (setjmp(decoder->error.jump)) {
        return 0;
    }
    return jpeg_finish_decompress(&decoder->info) ? 1 : 0;
}

/* ---- encoding ---- */

typedef struct akashi_jpeg_encoder {
    struct jpeg_compress_struct info;
    akashi_jpeg_error error;
    struct jpeg_destination_mgr destination;
    unsigned char *output;
    size_t output_capacity;
    size_t output_count; /* valid after akashi_jpeg_encoder_finish */
} akashi_jpeg_encoder;

static void akashi_jpeg_destination_init(j_compress_ptr info) {
    akashi_jpeg_encoder *encoder = (akashi_jpeg_encoder *)info->client_data;
    encoder->destination.next_output_byte = encoder->output;
    encoder->destination.free_in_buffer = encoder->output_capacity;
}

static boolean akashi_jpeg_destination_grow(j_compress_ptr info) {
    akashi_jpeg_encoder *encoder = (akashi_jpeg_encoder *)info->client_data;
    size_t used = encoder->output_capacity; /* libjpeg only calls this when the buffer is full */
    size_t capacity = encoder->output_capacity * 2;
    unsigned char *output = (unsigned char *)realloc(encoder->output, capacity);
    if (output == NULL) {
        ERREXIT1(info, JERR_OUT_OF_MEMORY, 10);
        return FALSE; /* not reached: error_exit jumps */
    }
    encoder->output = output;
    encoder->output_capacity = capacity;
    encoder->destination.next_output_byte = output + used;
    encoder->destination.free_in_buffer = capacity - used;
    return TRUE;
}

static void akashi_jpeg_destination_term(j_compress_ptr info) {
    akashi_jpeg_encoder *encoder = (akashi_jpeg_encoder *)info->client_data;
    encoder->output_count = encoder->output_capacity - encoder->destination.free_in_buffer;
}

/* NULL if out of memory. */
static inline akashi_jpeg_encoder *akashi_jpeg_encoder_create(void) {
    akashi_jpeg_encoder *encoder = (akashi_jpeg_encoder *)calloc(1, sizeof *encoder);
    if (encoder == NULL) {
        return NULL;
    }
    encoder->output_capacity = 16384;
    encoder->output = (unsigned char *)malloc(encoder->output_capacity);
    if (encoder->output == NULL) {
        free(encoder);
        return NULL;
    }
    akashi_jpeg_error_init(&encoder->error);
    encoder->info.err = &encoder->error.manager;
    if (setjmp(encoder->error.jump)) {
        free(encoder->output);
        free(encoder);
        return NULL;
    }
    jpeg_create_compress(&encoder->info);
    encoder->info.client_data = encoder;
    encoder->destination.init_destination = akashi_jpeg_destination_init;
    encoder->destination.empty_output_buffer = akashi_jpeg_destination_grow;
    encoder->destination.term_destination = akashi_jpeg_destination_term;
    encoder->info.dest = &encoder->destination;
    return encoder;
}

static inline void akashi_jpeg_encoder_destroy(akashi_jpeg_encoder *encoder) {
    jpeg_destroy_compress(&encoder->info);
    free(encoder->output);
    free(encoder);
}

/* Starts an 8-bit grayscale image at the given quality (1...100). */
static inline int akashi_jpeg_encoder_start_gray(akashi_jpeg_encoder *encoder,
                                                 unsigned int width, unsigned int height,
                                                 int quality) {
    if (setjmp(encoder->error.jump)) {
        return 0;
    }
    encoder->info.image_width = width;
    encoder->info.image_height = height;
    encoder->info.input_components = 1;
    encoder->info.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&encoder->info);
    jpeg_set_quality(&encoder->info, quality, TRUE);
    jpeg_start_compress(&encoder->info, TRUE);
    return 1;
}

/* Writes `count` scanlines; the number written, or -1 on error. */
static inline long akashi_jpeg_encoder_write_rows(akashi_jpeg_encoder *encoder,
                                                  JSAMPARRAY rows, unsigned int count) {
    if (setjmp(encoder->error.jump)) {
        return -1;
    }
    return (long)jpeg_write_scanlines(&encoder->info, rows, count);
}

static inline int akashi_jpeg_encoder_finish(akashi_jpeg_encoder *encoder) {
    if (setjmp(encoder->error.jump)) {
        return 0;
    }
    jpeg_finish_compress(&encoder->info);
    return 1;
}

#endif
