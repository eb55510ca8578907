package train

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// randomNet returns a network of arch with random weights and biases, so
// every block of a merge matters.
func randomNet(t *testing.T, a Arch, seed uint64) *Net {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	n, err := NewNet(a, rng)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Params {
		n.Params[i] += float32(rng.NormFloat64() * 0.05)
	}
	return n
}

func TestMergeLogitIsMeanOfMembers(t *testing.T) {
	small := Arch{Window: 12, Stride: 3, Channels: []int{4, 3}, Kernels: []int{6, 2}, Strides: []int{3, 1}}
	narrow := Arch{Window: 12, Stride: 3, Channels: []int{2, 5}, Kernels: []int{6, 2}, Strides: []int{3, 1}}
	for _, tc := range []struct {
		name  string
		archs []Arch
	}{
		{"one", []Arch{DefaultArch}},
		{"one hidden", []Arch{withHidden(DefaultArch, 4)}},
		{"two default", []Arch{DefaultArch, DefaultArch}},
		{"three default", []Arch{DefaultArch, DefaultArch, DefaultArch}},
		{"unequal widths", []Arch{small, narrow, small}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var nets []*Net
			for i, a := range tc.archs {
				nets = append(nets, randomNet(t, a, uint64(i+1)))
			}
			m, err := Merge(nets...)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(9, 9))
			x := make([]int8, m.Arch.Window*NumFeatures)
			for trial := range 5 {
				for i := range x {
					x[i] = int8(rng.IntN(256) - 128)
				}
				var mean float64
				for _, n := range nets {
					mean += float64(logitOf(n, x))
				}
				mean /= float64(len(nets))
				got := float64(logitOf(m, x))
				if math.Abs(got-mean) > 1e-4*max(1, math.Abs(mean)) {
					t.Fatalf("trial %d: merged logit %g, members' mean %g", trial, got, mean)
				}
			}
		})
	}
}

func TestMergeRejects(t *testing.T) {
	other := DefaultArch
	other.Kernels = []int{6, 5, 3}
	hidden := DefaultArch
	hidden.Hidden = 4
	for _, tc := range []struct {
		name string
		nets []Arch
		want string
	}{
		{"none", nil, "at least one"},
		{"other kernels", []Arch{DefaultArch, other}, "geometry"},
		{"hidden layer", []Arch{DefaultArch, hidden}, "hidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var nets []*Net
			for i, a := range tc.nets {
				nets = append(nets, randomNet(t, a, uint64(i)))
			}
			_, err := Merge(nets...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// logitOf is n's logit (before the sigmoid) for one int8 window.
func logitOf(n *Net, x []int8) float32 {
	w := n.newWork()
	w.setInput(x)
	return n.forward(w)
}

// TestTrainMembers: one member is the single-network run itself; two are
// that run and one with the next member seed, merged, each resumable from
// its own checkpoint.
func TestTrainMembers(t *testing.T) {
	tr, va := toyData(200, 1, toyArch), toyData(60, 2, toyArch)
	o := toyOpts()
	o.MaxEpochs = 3
	single, _, err := Train(context.Background(), tr, va, o)
	if err != nil {
		t.Fatal(err)
	}
	o2 := o
	o2.Seed += memberSeedStep
	second, _, err := Train(context.Background(), tr, va, o2)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(single.Params, second.Params) {
		t.Fatal("a second member seed trained the same network")
	}

	one, runs, err := trainMembers(context.Background(), tr, va, o, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one.Params, single.Params) || !slices.Equal(one.Arch.Channels, single.Arch.Channels) || len(runs) != 1 {
		t.Errorf("one member differs from the single-network run (%d runs)", len(runs))
	}

	dir := t.TempDir()
	o.Checkpoint = filepath.Join(dir, "checkpoint.gob")
	two, runs, err := trainMembers(context.Background(), tr, va, o, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Merge(single, second)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(two.Params, want.Params) {
		t.Error("two members differ from the two seeds' runs merged")
	}
	if len(runs) != 2 || runs[0].Seed != o.Seed || runs[1].Seed != o.Seed+memberSeedStep || runs[1].Epochs != 3 || runs[1].seconds <= 0 {
		t.Errorf("member reports %+v", runs)
	}
	for _, f := range []string{"checkpoint.gob", "checkpoint-member2.gob"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("member checkpoint: %v", err)
		}
	}
	// Hidden layers cannot be merged: refused before any training.
	oh := o
	oh.Arch = withHidden(toyArch, 2)
	oh.Checkpoint = filepath.Join(dir, "hidden.gob")
	if _, _, err := trainMembers(context.Background(), tr, va, oh, 2); err == nil || !strings.Contains(err.Error(), "hidden") {
		t.Errorf("two members with a hidden layer: %v", err)
	}
	if _, err := os.Stat(oh.Checkpoint); err == nil {
		t.Error("a member with a hidden layer was trained before the refusal")
	}
	// Rerun: both members resume from their finished checkpoints.
	again, _, err := trainMembers(context.Background(), tr, va, o, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Params, two.Params) {
		t.Error("resumed members differ")
	}
}
