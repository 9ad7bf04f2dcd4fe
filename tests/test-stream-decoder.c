/* test-stream-decoder.c — the SSE / NDJSON decoder: grammar, every split, every fixture.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "model/sam-model-error.h"
#include "model/sam-stream-decoder.h"
#include "sam-test-util.h"

/* Each frame as one line of a log, so that two decodings compare as strings. */
static gboolean
log_frame (const SamStreamFrame *frame, gpointer data, GError **error)
{
  GString         *log = data;
  g_autofree char *escaped = g_strescape (frame->data, "\"");

  g_assert_true (g_utf8_validate (frame->data, frame->data_len, NULL));
  g_assert_cmpuint (strlen (frame->data), ==, frame->data_len);

  g_string_append_printf (log, "event=%s id=%s eof=%d data=%s\n",
                          frame->event ? frame->event : "(none)", frame->id ? frame->id : "(none)",
                          frame->at_eof, escaped);
  return TRUE;
}

/* Decodes @bytes in reads that end at each offset in @cuts (ascending), then the rest. */
static char *
decode_with_cuts (SamStreamFormat format, GBytes *bytes, GArray *cuts)
{
  g_autoptr (SamStreamDecoder) decoder = sam_stream_decoder_new (format);
  g_autoptr (GError) error = NULL;
  GString    *log = g_string_new (NULL);
  gsize       size;
  const char *data = g_bytes_get_data (bytes, &size);
  gsize       start = 0;

  for (guint i = 0; cuts && i <= cuts->len; i++)
    {
      gsize end = i < cuts->len ? g_array_index (cuts, gsize, i) : size;

      g_assert_cmpuint (end, >=, start);
      /* Each read in its own buffer, so a read past its end shows up under ASan. */
      {
        g_autofree char *piece = g_memdup2 (data + start, end - start);

        g_assert_true (
            sam_stream_decoder_feed (decoder, piece, end - start, log_frame, log, &error));
      }
      g_assert_no_error (error);
      start = end;
    }

  if (cuts == NULL)
    g_assert_true (sam_stream_decoder_feed (decoder, data, size, log_frame, log, &error));
  g_assert_true (sam_stream_decoder_finish (decoder, log_frame, log, &error));
  g_assert_no_error (error);

  return g_string_free (log, FALSE);
}

static char *
decode_whole (SamStreamFormat format, GBytes *bytes)
{
  return decode_with_cuts (format, bytes, NULL);
}

static char *
decode_bytewise (SamStreamFormat format, GBytes *bytes)
{
  g_autoptr (GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));

  for (gsize i = 1; i < g_bytes_get_size (bytes); i++)
    g_array_append_val (cuts, i);

  return decode_with_cuts (format, bytes, cuts);
}

static char *
decode_random (SamStreamFormat format, GBytes *bytes, guint32 seed)
{
  g_autoptr (GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gsize size = g_bytes_get_size (bytes);
  gsize at = 0;

  while (size > 1)
    {
      /* Mostly short reads, some long ones, some empty. */
      at += g_rand_int_range (rand, 0, g_rand_boolean (rand) ? 8 : 300);
      if (at >= size)
        break;
      g_array_append_val (cuts, at);
    }

  return decode_with_cuts (format, bytes, cuts);
}

static char *
decode_string (SamStreamFormat format, const char *text)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autofree char *whole = decode_whole (format, bytes);
  g_autofree char *bytewise = decode_bytewise (format, bytes);

  g_assert_cmpstr (whole, ==, bytewise);
  return g_steal_pointer (&whole);
}

static void
test_sse_grammar (void)
{
  struct
  {
    const char *input;
    const char *expected;
  } cases[] = {
    /* data with and without the space; only one space is removed */
    { "data: a\n\ndata:b\n\ndata:  c\n\n", "event=(none) id=(none) eof=0 data=a\n"
                                           "event=(none) id=(none) eof=0 data=b\n"
                                           "event=(none) id=(none) eof=0 data= c\n" },
    /* CR, LF and CRLF, mixed */
    { "data: a\r\rdata: b\r\n\r\ndata: c\n\r\n", "event=(none) id=(none) eof=0 data=a\n"
                                                 "event=(none) id=(none) eof=0 data=b\n"
                                                 "event=(none) id=(none) eof=0 data=c\n" },
    /* comments, retry and unknown fields are skipped; a blank line alone dispatches nothing */
    { ": OPENROUTER PROCESSING\n\nretry: 10\nfoo: bar\ndata: x\n: ping\n\n\n\n",
      "event=(none) id=(none) eof=0 data=x\n" },
    /* several data lines joined by \n, empty ones included */
    { "data: {\ndata: \"foo\":\ndata:\ndata\ndata: true}\n\n",
      "event=(none) id=(none) eof=0 data={\\n\"foo\":\\n\\n\\ntrue}\n" },
    /* event names apply to one event; ids stay */
    { "event: ping\nid: 7\ndata: {}\n\ndata: 1\n\nevent: x\n\nid\ndata: 2\n\n",
      "event=ping id=7 eof=0 data={}\n"
      "event=(none) id=7 eof=0 data=1\n"
      "event=(none) id= eof=0 data=2\n" },
    /* a byte order mark at the start */
    { "\xEF\xBB\xBF"
      "data: bom\n\n",
      "event=(none) id=(none) eof=0 data=bom\n" },
    /* the legacy llama.cpp error field */
    { "error: {\"code\":500}\n\n", "event=error id=(none) eof=0 data={\"code\":500}\n" },
    /* an empty data line is an event with empty data */
    { "data:\n\n", "event=(none) id=(none) eof=0 data=\n" },
    /* no blank line at the end: delivered, marked */
    { "data: a\n\ndata: [DONE]", "event=(none) id=(none) eof=0 data=a\n"
                                 "event=(none) id=(none) eof=1 data=[DONE]\n" },
    { "data: [DONE]\n", "event=(none) id=(none) eof=1 data=[DONE]\n" },
    /* a field name that only starts like "data" */
    { "datax: no\ndata : no\n\n", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *log = decode_string (SAM_STREAM_FORMAT_SSE, cases[i].input);

      g_assert_cmpstr (log, ==, cases[i].expected);
    }
}

static void
test_ndjson_grammar (void)
{
  g_autofree char *log = decode_string (SAM_STREAM_FORMAT_NDJSON,
                                        "{\"a\":1}\n\n  {\"b\":2}  \r\n\r{\"c\":3}\r{\"d\":4}");

  g_assert_cmpstr (log, ==,
                   "event=(none) id=(none) eof=0 data={\"a\":1}\n"
                   "event=(none) id=(none) eof=0 data={\"b\":2}\n"
                   "event=(none) id=(none) eof=0 data={\"c\":3}\n"
                   "event=(none) id=(none) eof=1 data={\"d\":4}\n");
}

static void
test_utf8_split (void)
{
  /* Two-, three- and four-byte characters, cut at every offset by the bytewise decode. */
  g_autofree char *log =
      decode_string (SAM_STREAM_FORMAT_SSE, "data: {\"t\":\"Grüße, 日本 👋\"}\r\n\r\n");

  g_assert_cmpstr (log, ==,
                   "event=(none) id=(none) eof=0 data={\"t\":\"Gr\\303\\274\\303\\237e, "
                   "\\346\\227\\245\\346\\234\\254 \\360\\237\\221\\213\"}\n");
}

static void
test_invalid_utf8 (void)
{
  /* A broken server's bytes become U+FFFD; nothing invalid reaches the JSON parser. */
  g_autofree char *log = decode_string (SAM_STREAM_FORMAT_SSE, "data: a\xC3\n\ndata: \xFF\xFE\n\n");

  g_assert_cmpstr (log, ==,
                   "event=(none) id=(none) eof=0 data=a\\357\\277\\275\n"
                   "event=(none) id=(none) eof=0 data=\\357\\277\\275\\357\\277\\275\n");
}

static const char *fixtures[] = {
  "wire/anthropic-error-overloaded.sse",
  "wire/anthropic-stream-basic.sse",
  "wire/anthropic-stream-max-tokens-partial-json.sse",
  "wire/anthropic-stream-refusal.sse",
  "wire/anthropic-stream-tools.sse",
  "wire/ollama-chat-stream-tools-current.ndjson",
  "wire/ollama-chat-stream-tools.ndjson",
  "wire/ollama-chat-stream.ndjson",
  "wire/ollama-openai-stream-tools.sse",
  "wire/ollama-stream-error.ndjson",
  "wire/openai-stream-basic.sse",
  "wire/openai-stream-length.sse",
  "wire/openai-stream-refusal.sse",
  "wire/openai-stream-tools-parallel.sse",
  "wire/openai-stream-tools.sse",
  "wire/edge/azure-prompt-filter-first-chunk.sse",
  "wire/edge/llamacpp-error-data.sse",
  "wire/edge/openai-stream-length-eof-no-terminator.sse",
  "wire/edge/openai-stream-length-nospace.sse",
  "wire/edge/openai-stream-tools-crlf.sse",
  "wire/edge/openrouter-comment-keepalive.sse",
  "wire/edge/sse-multiline-data.sse",
  "wire/edge/vllm-midstream-error.sse",
};

static SamStreamFormat
format_of (const char *name)
{
  return g_str_has_suffix (name, ".ndjson") ? SAM_STREAM_FORMAT_NDJSON : SAM_STREAM_FORMAT_SSE;
}

static void
test_fixture_splits (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GBytes) bytes = sam_test_load_fixture (name);
  g_autofree char *whole = decode_whole (format_of (name), bytes);
  g_autofree char *bytewise = decode_bytewise (format_of (name), bytes);

  g_assert_cmpuint (strlen (whole), >, 0);
  g_assert_cmpstr (bytewise, ==, whole);

  for (guint32 seed = 1; seed <= 40; seed++)
    {
      g_autofree char *random = decode_random (format_of (name), bytes, seed);

      g_assert_cmpstr (random, ==, whole);
    }
}

static char *
decode_fixture (const char *name)
{
  g_autoptr (GBytes) bytes = sam_test_load_fixture (name);

  return decode_whole (format_of (name), bytes);
}

static void
test_equivalent_framings (void)
{
  g_autofree char *lf = decode_fixture ("wire/openai-stream-tools.sse");
  g_autofree char *crlf = decode_fixture ("wire/edge/openai-stream-tools-crlf.sse");
  g_autofree char *space = decode_fixture ("wire/openai-stream-length.sse");
  g_autofree char *nospace = decode_fixture ("wire/edge/openai-stream-length-nospace.sse");
  g_autofree char *unterminated =
      decode_fixture ("wire/edge/openai-stream-length-eof-no-terminator.sse");
  g_autoptr (GString) unterminated_fixed = NULL;

  g_assert_cmpstr (crlf, ==, lf);
  g_assert_cmpstr (nospace, ==, space);

  /* The same events; only the last one is marked as cut off by the end of the stream. */
  g_assert_true (g_str_has_suffix (unterminated, "eof=1 data=[DONE]\n"));
  unterminated_fixed = g_string_new (unterminated);
  g_assert_cmpuint (g_string_replace (unterminated_fixed, "eof=1", "eof=0", 0), ==, 1);
  g_assert_cmpstr (unterminated_fixed->str, ==, space);
}

static void
test_multiline_fixture (void)
{
  g_autofree char *log = decode_fixture ("wire/edge/sse-multiline-data.sse");

  g_assert_nonnull (strstr (log, "data={\\n\"foo\":\\n\\n\\ntrue}\n"));
}

static GBytes *
load_hexchunks (const char *name, GArray *cuts)
{
  g_autoptr (GBytes) text = sam_test_load_fixture (name);
  g_auto (GStrv) lines = g_strsplit (g_bytes_get_data (text, NULL), "\n", -1);
  GByteArray *bytes = g_byte_array_new ();

  for (guint i = 0; lines[i]; i++)
    {
      gsize length = strlen (lines[i]);

      if (length == 0)
        continue;
      g_assert_cmpuint (length % 2, ==, 0);
      for (gsize j = 0; j < length; j += 2)
        {
          guint8 byte =
              (g_ascii_xdigit_value (lines[i][j]) << 4) | g_ascii_xdigit_value (lines[i][j + 1]);

          g_byte_array_append (bytes, &byte, 1);
        }
      {
        gsize cut = bytes->len;

        g_array_append_val (cuts, cut);
      }
    }

  return g_byte_array_free_to_bytes (bytes);
}

static void
test_crlf_hexchunks (void)
{
  g_autoptr (GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (GBytes) bytes = load_hexchunks ("wire/edge/crlf-split.hexchunks", cuts);
  g_autofree char *split = NULL;
  g_autofree char *whole = decode_whole (SAM_STREAM_FORMAT_SSE, bytes);
  g_autofree char *crlf = decode_fixture ("wire/edge/openai-stream-tools-crlf.sse");

  /* The reads: inside "tool_calls", between \r and \n, between \n and \r\n. */
  g_assert_cmpuint (cuts->len, ==, 4);
  g_array_set_size (cuts, cuts->len - 1);
  split = decode_with_cuts (SAM_STREAM_FORMAT_SSE, bytes, cuts);

  g_assert_cmpstr (split, ==, whole);
  /* It is the first event of the CRLF file, exactly once. */
  g_assert_cmpuint (strlen (whole), >, 0);
  g_assert_true (g_str_has_prefix (crlf, whole));
  g_assert_true (strchr (whole, '\n') == whole + strlen (whole) - 1);
}

static gboolean
stop_after_first (const SamStreamFrame *frame, gpointer data, GError **error)
{
  guint *count = data;

  (*count)++;
  if (g_str_equal (frame->data, "fail"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stop here");
      return FALSE;
    }
  return *count < 1;
}

static void
test_stop (void)
{
  g_autoptr (SamStreamDecoder) decoder = sam_stream_decoder_new (SAM_STREAM_FORMAT_SSE);
  g_autoptr (SamStreamDecoder) failing = sam_stream_decoder_new (SAM_STREAM_FORMAT_NDJSON);
  g_autoptr (GError) error = NULL;
  const char *input = "data: 1\n\ndata: 2\n\n";
  guint       count = 0;

  /* The callback says stop: no error, no second frame, and nothing after that. */
  g_assert_false (
      sam_stream_decoder_feed (decoder, input, strlen (input), stop_after_first, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);
  g_assert_false (
      sam_stream_decoder_feed (decoder, input, strlen (input), stop_after_first, &count, &error));
  g_assert_false (sam_stream_decoder_finish (decoder, stop_after_first, &count, &error));
  g_assert_cmpuint (count, ==, 1);

  count = 0;
  g_assert_false (sam_stream_decoder_feed (failing, "fail\n", 5, stop_after_first, &count, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
}

static gboolean
count_frames (const SamStreamFrame *frame, gpointer data, GError **error)
{
  (*(guint *) data)++;
  return TRUE;
}

static void
test_too_large (void)
{
  g_autoptr (SamStreamDecoder) decoder = sam_stream_decoder_new (SAM_STREAM_FORMAT_SSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *block = g_malloc (1024 * 1024);
  guint            count = 0;
  gboolean         ok = TRUE;

  memset (block, 'x', 1024 * 1024);
  ok = sam_stream_decoder_feed (decoder, "data: ", 6, count_frames, &count, &error);
  for (guint i = 0; ok && i < 20; i++)
    ok = sam_stream_decoder_feed (decoder, block, 1024 * 1024, count_frames, &count, &error);

  g_assert_false (ok);
  g_assert_error (error, SAM_MODEL_ERROR, SAM_MODEL_ERROR_INVALID_RESPONSE);
  g_assert_cmpuint (count, ==, 0);
}

static void
test_cr_only_is_linear (void)
{
  /* 200,000 CR-terminated lines in one read: quadratic scanning would take minutes. */
  g_autoptr (SamStreamDecoder) decoder = sam_stream_decoder_new (SAM_STREAM_FORMAT_SSE);
  g_autoptr (GString) input = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  guint  count = 0;
  gint64 start;

  for (guint i = 0; i < 100000; i++)
    g_string_append (input, "data: x\r\r");

  start = g_get_monotonic_time ();
  g_assert_true (
      sam_stream_decoder_feed (decoder, input->str, input->len, count_frames, &count, &error));
  g_assert_cmpuint (count, ==, 100000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

int
main (int argc, char *argv[])
{
  sam_test_init_environment ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stream-decoder/sse-grammar", test_sse_grammar);
  g_test_add_func ("/stream-decoder/ndjson-grammar", test_ndjson_grammar);
  g_test_add_func ("/stream-decoder/utf8-split", test_utf8_split);
  g_test_add_func ("/stream-decoder/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/stream-decoder/equivalent-framings", test_equivalent_framings);
  g_test_add_func ("/stream-decoder/multiline-fixture", test_multiline_fixture);
  g_test_add_func ("/stream-decoder/crlf-hexchunks", test_crlf_hexchunks);
  g_test_add_func ("/stream-decoder/stop", test_stop);
  g_test_add_func ("/stream-decoder/too-large", test_too_large);
  g_test_add_func ("/stream-decoder/cr-only-is-linear", test_cr_only_is_linear);

  for (guint i = 0; i < G_N_ELEMENTS (fixtures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/stream-decoder/splits/%s", fixtures[i]);

      g_test_add_data_func (path, fixtures[i], test_fixture_splits);
    }

  return g_test_run ();
}
