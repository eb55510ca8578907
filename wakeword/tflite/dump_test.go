package tflite

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var dump = flag.Bool("dump", false, "print the ops and tensors of the shared models")

func TestDump(t *testing.T) {
	if !*dump {
		t.Skip("run with -dump")
	}
	for _, name := range []string{"alexa", "hey_jarvis", "hey_mycroft", "okay_nabu", "vad"} {
		b, err := os.ReadFile(filepath.Join("../../../shared/models/microwakeword", name+".tflite"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := decode(b)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("== %s: %d subgraphs, %d buffers\n", name, len(m.subgraphs), len(m.buffers))
		for si, sg := range m.subgraphs {
			fmt.Printf(" subgraph %d in=%v out=%v\n", si, sg.inputs, sg.outputs)
			for ti, tn := range sg.tensors {
				fmt.Printf("  t%d %q %v %v buf=%d(%dB) scale=%d zp=%v qd=%d var=%v\n", ti, tn.name, tn.shape, tn.typ, tn.buffer, len(m.buffers[tn.buffer]), len(tn.scale), first(tn.zeroPoint), tn.qdim, tn.variable)
			}
			for oi, op := range sg.ops {
				fmt.Printf("  op%d %s v%d in=%v out=%v\n", oi, OpName(op.code), op.version, op.inputs, op.outputs)
			}
		}
	}
}

func first(z []int64) any {
	if len(z) == 0 {
		return nil
	}
	return z[0]
}
