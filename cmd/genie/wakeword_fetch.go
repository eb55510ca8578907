package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/genie-voice/genie/configs"
	"github.com/genie-voice/genie/wakeword"
	"github.com/genie-voice/genie/wakeword/fetch"
)

func init() {
	// Temporary name until "genie wakeword fetch" routes here.
	registerWakeword(command{name: "fetch", summary: "download published microWakeWord models into the data directory", run: runWakewordFetch})
}

// runWakewordFetch is "genie wakeword fetch [flags] NAME...": it downloads
// published microWakeWord models into the data directory's models folder.
func runWakewordFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("wakeword fetch", stderr)
	baseURL := fs.String("base-url", fetch.DefaultBaseURL, "folder the NAME.json and NAME.tflite files are downloaded from")
	dataDir := fs.String("data-dir", "", "genie data directory; models go to DIR/models (default: the config's data_dir, else $XDG_DATA_HOME/genie)")
	config := fs.String("config", "", "board config whose data_dir to use")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: genie wakeword fetch [flags] NAME... | all\n\n"+
			"Downloads published microWakeWord models (%s) and checks their sha256.\n\nflags:\n",
			strings.Join(fetch.Published(), ", "))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	names := fs.Args()
	if len(names) == 0 {
		fs.Usage()
		return errUsage
	}
	if len(names) == 1 && names[0] == "all" {
		names = fetch.Published()
	}
	dir, err := fetchModelsDir(*dataDir, *config)
	if err != nil {
		return err
	}
	for _, n := range names {
		p, err := fetch.Model(ctx, n, dir, fetch.Opts{BaseURL: *baseURL})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", n, p)
	}
	return nil
}

// fetchModelsDir returns where downloaded models live: dataDir/models if dataDir is
// set, else the models folder of the config's (or the default) data path.
func fetchModelsDir(dataDir, config string) (string, error) {
	if dataDir != "" {
		return wakeword.ModelsDir(dataDir), nil
	}
	c := configs.Default()
	if config != "" {
		var err error
		if c, err = configs.Load(config); err != nil {
			return "", err
		}
	}
	return wakeword.ModelsDir(c.DataPath()), nil
}
