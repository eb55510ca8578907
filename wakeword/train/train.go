package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Opts configures Train.
type Opts struct {
	Arch      Arch
	MaxEpochs int
	Patience  int // epochs without validation improvement before stopping
	// MinEpochs is the first epoch (1-based) that may be kept as the best;
	// the patience clock starts there. A run that ends before it returns its
	// last epoch's (averaged) weights. Two epochs in, a network is not
	// trained yet, but its validation rank can still happen to be the
	// lowest: two of four runs in the seventh session stopped at epoch 7
	// keeping epoch 2 (18.4 / 54.6 % and 11.5 / 40.3 % missed on the
	// held-out test at 0.5 FA/h).
	MinEpochs int
	Batch     int     // examples per step
	LR        float64 // Adam learning rate
	WeightDec float64 // decoupled weight decay per step, relative to LR
	LRDecay   float64 // learning rate factor per epoch (1 keeps it)
	PosWeight float32 // loss weight of positives relative to negatives
	// Focal is the focusing exponent γ of a focal loss (0 for plain binary
	// cross-entropy): each example's loss is scaled by (1−p_t)^γ, where p_t
	// is the probability the network gives its true label. γ = 2 did no
	// better than cross-entropy over two seeds (BENCHMARKS.md).
	Focal   float32
	Seed    uint64
	Workers int // goroutines per minibatch
	// SpecAugment masks random time and channel bands and shifts the level
	// of each training window, freshly every epoch.
	SpecAugment bool
	// StreamDraws is how many windows per epoch are drawn at random offsets
	// from the training set's negative feature stream.
	StreamDraws int
	// EMA, when in (0, 1), keeps an exponential moving average of the
	// weights with this decay per step; validation, early stopping and the
	// returned network use the average, which swings far less between epochs
	// than the raw weights.
	EMA float64
	// HardNegatives, if set, is called after every epoch with the network
	// being validated and returns offsets (in frames) of windows of the
	// training set's negative Stream that it scores highest; the next epoch
	// trains on each HardRepeat times besides the random draws.
	HardNegatives func(n *Net) ([]int, error)
	HardRepeat    int
	// Validate, if set, scores the network after every epoch (higher is
	// better) and replaces the window-level recall as the early-stopping and
	// best-model criterion; note is logged with the epoch. RunRecipe sets it to
	// the exported int8 model's miss rate on the validation streams at the
	// cutoff that meets the FA/h target, which is what the manifest reports.
	Validate func(n *Net) (score float64, note string, err error)
	// Rounds are further renderings of the training set: the same kinds in
	// the same order with other augmentation draws (speed, reverberation,
	// background, SNR, placement). Epoch e trains on round e mod
	// (1+len(Rounds)), round 0 being the set passed to Train, so a phrase
	// is seen over more backgrounds than one rendering holds. The negative
	// Stream is the first set's.
	Rounds     []*Dataset
	Checkpoint string    // path of the resumable checkpoint; "" for none
	Progress   io.Writer // progress bar output; nil for none
	Log        io.Writer // one line per epoch; nil for none
}

// DefaultOpts is the default recipe.
var DefaultOpts = Opts{
	Arch: DefaultArch, MaxEpochs: 30, Patience: 5, MinEpochs: 5, Batch: 64, LR: 2e-3, WeightDec: 5e-2, EMA: 0.999, HardRepeat: 3, SpecAugment: true, LRDecay: 0.9, StreamDraws: 30000,
	PosWeight: 3, Seed: 1, Workers: 2,
}

// EpochStats is one epoch's figures.
type EpochStats struct {
	Epoch     int
	TrainLoss float64
	ValLoss   float64
	ValRecall float64 // positives above the threshold that passes 0.2 % of validation negatives
	ValThresh float64
	ValScore  float64 // Opts.Validate's score, when set
	Kept      bool    // the best epoch so far: its weights were kept
	// Seconds is the epoch's wall time (training, validation and hard
	// negative mining), so a resumed run can still report its whole
	// training time. It is kept out of every decision.
	Seconds float64
}

// checkpoint is the resumable training state, saved after every epoch.
type checkpoint struct {
	Arch      Arch
	Seed      uint64
	Epoch     int // epochs completed
	Params    []float32
	M, V      []float32
	Step      int
	Best      []float32
	EMA       []float32 // exponential moving average of Params (Opts.EMA)
	Hard      []int     // window offsets (frames) into the training stream from Opts.HardNegatives
	BestScore float64
	BestEpoch int
	History   []EpochStats
	// Rounds is len(Opts.Rounds) of the run that wrote it: a resumed run
	// with another number would cycle other renderings through its epochs.
	Rounds int
}

// Train fits a network on tr, stops early on va and returns the best network by
// validation recall and the per-epoch history. With Opts.Checkpoint set it
// resumes from the checkpoint if present and writes it atomically after each
// epoch; an interrupted run (ctx cancelled) returns ctx's error and can resume.
// Results are deterministic for a seed and worker count.
func Train(ctx context.Context, tr, va *Dataset, o Opts) (*Net, []EpochStats, error) {
	if tr.Window != o.Arch.Window || va.Window != o.Arch.Window {
		return nil, nil, fmt.Errorf("train: datasets have windows %d/%d, architecture %d", tr.Window, va.Window, o.Arch.Window)
	}
	for k, rd := range o.Rounds {
		if rd.Window != tr.Window || rd.Len() != tr.Len() {
			return nil, nil, fmt.Errorf("train: round %d has %d windows of %d frames, the training set %d of %d", k+1, rd.Len(), rd.Window, tr.Len(), tr.Window)
		}
	}
	net, err := NewNet(o.Arch, rand.New(rand.NewPCG(o.Seed, 1)))
	if err != nil {
		return nil, nil, err
	}
	np := net.NumParams()
	ck := &checkpoint{Arch: o.Arch, Seed: o.Seed, M: make([]float32, np), V: make([]float32, np), BestScore: math.Inf(-1), Rounds: len(o.Rounds)}
	if o.Checkpoint != "" {
		var old checkpoint
		switch err := loadGob(o.Checkpoint, &old); {
		case err == nil:
			if len(old.Params) != np || old.Seed != o.Seed {
				return nil, nil, fmt.Errorf("train: checkpoint %s is for another architecture or seed; delete it to start over", o.Checkpoint)
			}
			if old.Rounds != len(o.Rounds) {
				return nil, nil, fmt.Errorf("train: checkpoint %s was written with --rounds %d, this run has --rounds %d; resume with the same or delete it", o.Checkpoint, old.Rounds+1, len(o.Rounds)+1)
			}
			ck = &old
			copy(net.Params, ck.Params)
			logf(o.Log, "resuming after epoch %d\n", ck.Epoch)
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, nil, err
		}
	}
	if o.EMA > 0 && ck.EMA == nil {
		ck.EMA = append([]float32(nil), net.Params...)
	}
	workers := max(o.Workers, 1)
	decay := o.LRDecay
	if decay <= 0 {
		decay = 1
	}
	ws := make([]*work, workers)
	grads := make([][]float32, workers)
	for i := range ws {
		ws[i] = net.newWork()
		grads[i] = make([]float32, np)
	}
	losses := make([]float64, workers)
	scratch := make([][]int8, workers)
	for i := range scratch {
		scratch[i] = make([]int8, tr.Window*NumFeatures)
	}
	posW := o.PosWeight
	if posW == 0 {
		posW = 1
	}
	stopped := ck.Epoch > 0 && o.patienceOut(ck)
	for epoch := ck.Epoch; epoch < o.MaxEpochs && !stopped; epoch++ {
		began := time.Now()
		erng := rand.New(rand.NewPCG(o.Seed, uint64(epoch)+100))
		set := tr
		if k := epoch % (1 + len(o.Rounds)); k > 0 {
			set = o.Rounds[k-1]
		}
		// Fresh windows from the negative feature stream every epoch.
		var offs []int
		if frames := len(tr.Stream)/NumFeatures - tr.Window; frames > 0 {
			offs = make([]int, o.StreamDraws)
			for i := range offs {
				offs[i] = erng.IntN(frames + 1)
			}
			// The previous epoch's hardest negatives, each HardRepeat times.
			for _, h := range ck.Hard {
				if h >= 0 && h <= frames {
					for range max(o.HardRepeat, 1) {
						offs = append(offs, h)
					}
				}
			}
		}
		perm := erng.Perm(tr.Len() + len(offs))
		steps := (len(perm) + o.Batch - 1) / o.Batch
		var bar *progressbar.ProgressBar
		if o.Progress != nil {
			bar = progressbar.NewOptions(steps, progressbar.OptionSetWriter(o.Progress),
				progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", epoch+1, o.MaxEpochs)),
				progressbar.OptionShowCount(), progressbar.OptionSetWidth(20), progressbar.OptionThrottle(200e6),
				progressbar.OptionClearOnFinish())
		}
		var sum float64
		for s := range steps {
			if err := ctx.Err(); err != nil {
				if bar != nil {
					bar.Exit()
				}
				return nil, ck.History, err
			}
			batch := perm[s*o.Batch : min((s+1)*o.Batch, len(perm))]
			var wg sync.WaitGroup
			for w := range workers {
				lo, hi := len(batch)*w/workers, len(batch)*(w+1)/workers
				wg.Add(1)
				go func() {
					defer wg.Done()
					g := grads[w]
					clear(g)
					losses[w] = 0
					for _, i := range batch[lo:hi] {
						var x []int8
						pos := false
						if i < set.Len() {
							x, pos = set.Row(i), set.Kind[i] == KindPos
						} else {
							off := offs[i-set.Len()] * NumFeatures
							x = tr.Stream[off : off+tr.Window*NumFeatures]
						}
						if o.SpecAugment {
							rng := rand.New(rand.NewPCG(o.Seed^uint64(epoch)<<32, uint64(i)))
							x = specAugment(scratch[w], x, rng)
						}
						ws[w].setInput(x)
						z := net.forward(ws[w])
						wt := float32(1)
						if pos {
							wt = posW
						}
						l, dz := focalGrad(z, pos, wt, o.Focal)
						losses[w] += float64(l)
						net.backward(ws[w], dz, g)
					}
				}()
			}
			wg.Wait()
			for w := 1; w < workers; w++ {
				axpy(grads[0], 1, grads[w])
				losses[0] += losses[w]
			}
			sum += losses[0]
			ck.Step++
			adam(net.Params, grads[0], ck.M, ck.V, ck.Step, o.LR*math.Pow(decay, float64(epoch)), o.WeightDec, 1/float32(len(batch)))
			if ck.EMA != nil {
				d := float32(o.EMA)
				for i, p := range net.Params {
					ck.EMA[i] = d*ck.EMA[i] + (1-d)*p
				}
			}
			if bar != nil {
				bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", epoch+1, o.MaxEpochs, sum/float64(min((s+1)*o.Batch, len(perm)))))
				bar.Add(1)
			}
		}
		if bar != nil {
			bar.Finish()
		}
		// Validation sees the averaged weights when EMA is on.
		evalNet := net
		if ck.EMA != nil {
			evalNet = net.Clone()
			copy(evalNet.Params, ck.EMA)
		}
		st := Evaluate(evalNet, va, workers)
		st.Epoch, st.TrainLoss = epoch+1, sum/float64(len(perm))
		score := st.ValRecall - 0.01*st.ValLoss
		note := ""
		if o.Validate != nil {
			var err error
			if score, note, err = o.Validate(evalNet); err != nil {
				return nil, ck.History, err
			}
			note = "  " + note
		}
		st.ValScore = score
		ck.History = append(ck.History, st)
		if o.HardNegatives != nil {
			h, err := o.HardNegatives(evalNet)
			if err != nil {
				return nil, ck.History, err
			}
			ck.Hard = h
			logf(o.Log, "  %d hard negative windows for the next epoch\n", len(h))
		}
		improved := score > ck.BestScore && epoch+1 >= o.MinEpochs
		if improved {
			ck.History[len(ck.History)-1].Kept = true
			ck.BestScore, ck.BestEpoch = score, epoch+1
			ck.Best = append(ck.Best[:0], evalNet.Params...)
		}
		logf(o.Log, "epoch %2d  train loss %.4f  val loss %.4f  val recall %.3f @ %.3f%s%s\n",
			st.Epoch, st.TrainLoss, st.ValLoss, st.ValRecall, st.ValThresh, note, map[bool]string{true: "  *best", false: ""}[improved])
		ck.History[len(ck.History)-1].Seconds = time.Since(began).Seconds()
		ck.Epoch = epoch + 1
		ck.Params = append(ck.Params[:0], net.Params...)
		if o.Checkpoint != "" {
			if err := saveGob(o.Checkpoint, ck); err != nil {
				return nil, ck.History, err
			}
		}
		if o.patienceOut(ck) {
			logf(o.Log, "early stop: no improvement for %d epochs\n", o.Patience)
			break
		}
	}
	switch {
	case ck.Best != nil:
		copy(net.Params, ck.Best)
	case ck.EMA != nil:
		copy(net.Params, ck.EMA)
	}
	return net, ck.History, nil
}

// patienceOut reports whether Patience epochs have passed since the best
// epoch, or since MinEpochs-1 while none may be kept yet.
func (o Opts) patienceOut(ck *checkpoint) bool {
	return ck.Epoch-max(ck.BestEpoch, o.MinEpochs-1) >= o.Patience
}

// adam applies one Adam step with decoupled weight decay; grad is scaled by gs.
func adam(p, grad, m, v []float32, step int, lr, wd float64, gs float32) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	c1 := 1 - math.Pow(b1, float64(step))
	c2 := 1 - math.Pow(b2, float64(step))
	a := float32(lr * math.Sqrt(c2) / c1)
	d := float32(1 - lr*wd)
	for i, g := range grad {
		g *= gs
		m[i] = b1*m[i] + (1-b1)*g
		v[i] = b2*v[i] + (1-b2)*g*g
		p[i] = p[i]*d - a*m[i]/(float32(math.Sqrt(float64(v[i])))+eps)
	}
}

// Evaluate scores ds with n: mean loss, and recall of positives at the
// threshold that 0.2 % of negatives exceed.
func Evaluate(n *Net, ds *Dataset, workers int) EpochStats {
	scores := Scores(n, ds, workers)
	var loss float64
	var neg, pos []float64
	for i, z := range scores {
		p := ds.Kind[i] == KindPos
		l, _ := bceGrad(z, p, 1)
		loss += float64(l)
		if p {
			pos = append(pos, float64(sigmoid(z)))
		} else {
			neg = append(neg, float64(sigmoid(z)))
		}
	}
	st := EpochStats{ValLoss: loss / float64(max(len(scores), 1))}
	if len(neg) == 0 || len(pos) == 0 {
		return st
	}
	sort.Float64s(neg)
	th := neg[min(int(float64(len(neg))*0.998), len(neg)-1)]
	hit := 0
	for _, p := range pos {
		if p > th {
			hit++
		}
	}
	st.ValThresh, st.ValRecall = th, float64(hit)/float64(len(pos))
	return st
}

// Scores returns the logit of every example of ds.
func Scores(n *Net, ds *Dataset, workers int) []float32 {
	out := make([]float32, ds.Len())
	workers = max(workers, 1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := n.newWork()
			for i := w; i < ds.Len(); i += workers {
				wk.setInput(ds.Row(i))
				out[i] = n.forward(wk)
			}
		}()
	}
	wg.Wait()
	return out
}

func logf(w io.Writer, format string, a ...any) {
	if w != nil {
		fmt.Fprintf(w, format, a...)
	}
}

// specAugment copies x to dst with SpecAugment-style changes: a level shift
// (gain in the log domain), up to two channel bands and one time band set to
// the window's mean.
func specAugment(dst, x []int8, rng *rand.Rand) []int8 {
	copy(dst, x)
	frames := len(x) / NumFeatures
	var sum int
	for _, v := range x {
		sum += int(v)
	}
	mean := int8(sum / max(len(x), 1))
	if rng.IntN(3) != 0 {
		warp(dst, frames, 0.85+0.3*rng.Float64(), 0.88+0.24*rng.Float64())
	}
	if rng.IntN(2) == 0 {
		sh := rng.IntN(25) - 12
		for i, v := range dst {
			if v > -128 {
				dst[i] = int8(min(max(int(v)+sh, -128), 127))
			}
		}
	}
	for range rng.IntN(3) {
		c0, w := rng.IntN(NumFeatures), 1+rng.IntN(5)
		for t := range frames {
			for c := c0; c < min(c0+w, NumFeatures); c++ {
				dst[t*NumFeatures+c] = mean
			}
		}
	}
	if rng.IntN(2) == 0 {
		t0, w := rng.IntN(frames), 1+rng.IntN(8)
		for t := t0; t < min(t0+w, frames); t++ {
			for c := range NumFeatures {
				dst[t*NumFeatures+c] = mean
			}
		}
	}
	return dst
}

// warp resamples a window in place: the channel axis by alpha (vocal tract
// length perturbation: >1 moves energy to lower channels, like a longer
// tract) and the time axis by beta around the window's end (>1 speeds up),
// with linear interpolation.
func warp(x []int8, frames int, alpha, beta float64) {
	src := make([]float32, len(x))
	for i, v := range x {
		src[i] = float32(v)
	}
	at := func(t, c float64) float32 {
		t = min(max(t, 0), float64(frames-1))
		c = min(max(c, 0), NumFeatures-1)
		t0, c0 := int(t), int(c)
		t1, c1 := min(t0+1, frames-1), min(c0+1, NumFeatures-1)
		ft, fc := float32(t-float64(t0)), float32(c-float64(c0))
		a := src[t0*NumFeatures+c0]*(1-fc) + src[t0*NumFeatures+c1]*fc
		b := src[t1*NumFeatures+c0]*(1-fc) + src[t1*NumFeatures+c1]*fc
		return a*(1-ft) + b*ft
	}
	last := float64(frames - 1)
	for t := range frames {
		st := last - (last-float64(t))*beta
		for c := range NumFeatures {
			v := float32(-128)
			if st >= 0 {
				v = at(st, float64(c)*alpha)
			}
			x[t*NumFeatures+c] = int8(min(max(math.Round(float64(v)), -128), 127))
		}
	}
}
