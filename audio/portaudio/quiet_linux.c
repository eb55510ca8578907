//go:build cgo && !noportaudio && linux

// Routes the messages ALSA and JACK print to stderr (missing cards, no JACK server)
// to genieLibMessage in Go. See quiet_linux.go.

#include <stdarg.h>
#include <stdio.h>
#include <alsa/asoundlib.h>
#include <jack/jack.h>
#include "_cgo_export.h"

static void genieALSAMessage(const char *file, int line, const char *function, int err, const char *fmt, ...) {
	char text[512], msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (err != 0) {
		snprintf(msg, sizeof msg, "alsa: %s: %s: %s", function, text, snd_strerror(err));
	} else {
		snprintf(msg, sizeof msg, "alsa: %s: %s", function, text);
	}
	genieLibMessage(msg);
}

static void genieJACKMessage(const char *text) {
	char msg[768];
	snprintf(msg, sizeof msg, "jack: %s", text);
	genieLibMessage(msg);
}

void genieRouteLibMessages(void) {
	snd_lib_error_set_handler(genieALSAMessage);
	jack_set_error_function(genieJACKMessage);
	jack_set_info_function(genieJACKMessage);
}
