package train

import (
	"errors"
	"fmt"
	"slices"
)

// Merge returns one network whose logit is the mean of the logits of nets,
// networks of the same geometry trained apart (an ensemble). The merged
// network has the members' channels side by side in every conv layer: the
// first layer reads the shared input, every later layer is block-diagonal
// (member i's channels read only member i's channels of the layer below), and
// the output unit weighs every member's final frames by 1/len(nets). It is an
// ordinary Net, so it exports to one streaming TFLite model like any other
// and runs wherever a single model runs; its cost grows with the square of the
// number of members in the later layers, as the zero blocks are multiplied
// too.
//
// One network is returned as a copy, whatever its architecture; two or more
// with a hidden dense layer are not supported.
func Merge(nets ...*Net) (*Net, error) {
	switch len(nets) {
	case 0:
		return nil, errors.New("train: merge needs at least one network")
	case 1:
		return nets[0].Clone(), nil
	}
	a0 := nets[0].Arch
	for i, n := range nets {
		a := n.Arch
		if a.Hidden != 0 {
			return nil, fmt.Errorf("train: merge: member %d has a hidden layer", i)
		}
		if a.Window != a0.Window || a.Stride != a0.Stride || !slices.Equal(a.Kernels, a0.Kernels) ||
			!slices.Equal(a.Strides, a0.Strides) || len(a.Channels) != len(a0.Channels) {
			return nil, fmt.Errorf("train: merge: member %d's geometry %+v differs from member 0's %+v", i, a, a0)
		}
	}
	arch := Arch{Window: a0.Window, Stride: a0.Stride, Kernels: slices.Clone(a0.Kernels), Strides: slices.Clone(a0.Strides),
		Channels: make([]int, len(a0.Channels))}
	for li := range arch.Channels {
		for _, n := range nets {
			arch.Channels[li] += n.Arch.Channels[li]
		}
	}
	m, err := newShape(arch)
	if err != nil {
		return nil, err
	}
	p := m.Params
	// outOff[i] and inOff[i] are member i's first channel in this layer's
	// output and input.
	inOff := make([]int, len(nets))
	outOff := make([]int, len(nets))
	for li, ml := range m.layers {
		off := 0
		for i, n := range nets {
			outOff[i] = off
			off += n.layers[li].outC
		}
		for i, n := range nets {
			l := n.layers[li]
			q := n.Params
			for oc := range l.outC {
				moc := outOff[i] + oc
				p[ml.b+moc] = q[l.b+oc]
				for dt := range l.k {
					src := q[l.w+(oc*l.k+dt)*l.inC:][:l.inC]
					dst := p[ml.w+(moc*ml.k+dt)*ml.inC:][:ml.inC]
					if li == 0 {
						copy(dst, src) // every member reads the features
					} else {
						copy(dst[inOff[i]:], src)
					}
				}
			}
		}
		copy(inOff, outOff)
	}
	// Output unit: final frames are [outT][outC]; member i's channel c at
	// frame t sits at t·C + inOff[i] + c.
	last := m.layers[len(m.layers)-1]
	k := float32(len(nets))
	var bias float32
	for i, n := range nets {
		nl := n.layers[len(n.layers)-1]
		for t := range nl.outT {
			for c := range nl.outC {
				p[m.fcW+t*last.outC+inOff[i]+c] = n.Params[n.fcW+t*nl.outC+c] / k
			}
		}
		bias += n.Params[n.fcW+n.outIn]
	}
	p[m.fcW+m.outIn] = bias / k
	return m, nil
}
