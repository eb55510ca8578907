package train

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestCPUModel reads the CPU's name from cpuinfo files as x86 Linux and a
// Raspberry Pi write them, and gives "" for none or a missing file.
func TestCPUModel(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, cpuinfo, want string
	}{
		{"x86", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu fma\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n", "Intel(R) Xeon(R) Processor"},
		{"raspberry_pi", "processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd08\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n", "Raspberry Pi 4 Model B Rev 1.4"},
		{"neither", "processor\t: 0\nBogoMIPS\t: 108.00\n", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, []byte(tc.cpuinfo), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := cpuModel(p); got != tc.want {
				t.Errorf("cpuModel = %q, want %q", got, tc.want)
			}
		})
	}
	if got := cpuModel(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing file: %q", got)
	}
	m := thisMachine()
	if m.Go != runtime.Version() || !strings.Contains(m.Arch, runtime.GOARCH) || m.Cores < 1 {
		t.Errorf("thisMachine() = %+v", m)
	}
}
