package wakeword

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ModelsDir returns the folder of downloaded models inside genie's data
// directory (configs.Config.DataPath): dataDir/models.
func ModelsDir(dataDir string) string { return filepath.Join(dataDir, "models") }

// ErrModelNotFound means Resolve found no manifest for a model name.
var ErrModelNotFound = errors.New("wakeword: model not found")

// Resolve turns a model reference from a board config or the command line into
// a manifest path. A reference that ends in ".json" or contains a path
// separator is a path, used as is; anything else is a name looked up as
// ModelsDir(dataDir)/NAME.json, where "genie wakeword fetch" puts it. A
// missing name gives an error wrapping ErrModelNotFound that says how to
// fetch it.
func Resolve(name, dataDir string) (manifestPath string, err error) {
	return ResolveIn(name, ModelsDir(dataDir))
}

// ResolveIn is Resolve with the models folder given directly.
func ResolveIn(name, modelsDir string) (manifestPath string, err error) {
	if name == "" {
		return "", errors.New("wakeword: empty model name")
	}
	if strings.HasSuffix(name, ".json") || strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("wakeword: model manifest: %w", err)
		}
		return name, nil
	}
	p := filepath.Join(modelsDir, name+".json")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("wakeword: model %q: %w", name, err)
	}
	return "", fmt.Errorf("%w: %q is not in %s; run: genie wakeword fetch %s (or give a manifest path)", ErrModelNotFound, name, modelsDir, name)
}
