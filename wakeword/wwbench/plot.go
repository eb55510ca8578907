package wwbench

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WritePNG draws the report as a PNG: the DET curves (miss rate against false
// accepts per hour on negative files, log scale, a point with no false accept
// drawn at half a false accept over the negative audio) with each model's
// configured cutoff marked, and the histogram of detection latencies per model
// (50 ms bins).
func (r *Report) WritePNG(w io.Writer) error {
	det, err := r.detPlot()
	if err != nil {
		return err
	}
	lat, err := r.latencyPlot()
	if err != nil {
		return err
	}
	img := vgimg.New(28*vg.Centimeter, 11*vg.Centimeter)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter, PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	plots := [][]*plot.Plot{{det, lat}}
	cs := plot.Align(plots, tiles, dc)
	det.Draw(cs[0][0])
	lat.Draw(cs[0][1])
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		return fmt.Errorf("wwbench: png: %w", err)
	}
	return nil
}

func (r *Report) detPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "DET (all files)"
	p.X.Label.Text = "false accepts per hour (negative files)"
	p.Y.Label.Text = "miss rate %"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	floor := 0.01
	if len(r.Models) > 0 && r.Models[0].All.NegativeHours > 0 {
		floor = 0.5 / r.Models[0].All.NegativeHours
	}
	p.Y.Min, p.Y.Max = 0, 100
	for i := range r.Models {
		m := &r.Models[i]
		var xy plotter.XYs
		for _, d := range m.DET {
			xy = append(xy, plotter.XY{X: math.Max(d.FAPerHour, floor), Y: 100 * d.MissRate})
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("wwbench: plot: %w", err)
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(m.Model, l)
		if u := int(m.CutoffU8); u >= 1 && u <= len(m.DET) {
			d := m.DET[u-1]
			s, err := plotter.NewScatter(plotter.XYs{{X: math.Max(d.FAPerHour, floor), Y: 100 * d.MissRate}})
			if err != nil {
				return nil, fmt.Errorf("wwbench: plot: %w", err)
			}
			s.Color = plotutil.Color(i)
			s.Shape = draw.CircleGlyph{}
			s.Radius = vg.Points(4)
			p.Add(s)
		}
	}
	if p.X.Min <= 0 || math.IsInf(p.X.Min, 0) {
		p.X.Min = floor
	}
	p.X.Max = math.Max(p.X.Max, floor*10)
	p.Add(plotter.NewGrid())
	return p, nil
}

func (r *Report) latencyPlot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "detection latency after phrase end (default cutoff)"
	p.Legend.Left = true
	p.X.Label.Text = "ms"
	p.X.Tick.Marker = intTicks{}
	p.Y.Tick.Marker = intTicks{}
	p.Y.Label.Text = "detections"
	p.Legend.Top = true
	const bin = 50.0 // ms
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range r.Models {
		for _, d := range r.Models[i].All.Latencies {
			ms := float64(d.Milliseconds())
			lo, hi = math.Min(lo, ms), math.Max(hi, ms)
		}
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, bin
	}
	lo = math.Floor(lo/bin) * bin
	n := int(math.Floor((hi-lo)/bin)) + 1
	for i := range r.Models {
		m := &r.Models[i]
		counts := make([]float64, n)
		for _, d := range m.All.Latencies {
			counts[int((float64(d.Milliseconds())-lo)/bin)]++
		}
		xy := make(plotter.XYs, 0, 2*n+2)
		xy = append(xy, plotter.XY{X: lo, Y: 0})
		for b, c := range counts {
			x := lo + float64(b)*bin
			xy = append(xy, plotter.XY{X: x, Y: c}, plotter.XY{X: x + bin, Y: c})
		}
		xy = append(xy, plotter.XY{X: lo + float64(n)*bin, Y: 0})
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("wwbench: plot: %w", err)
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (median %d ms)", m.Model, m.All.LatencyMedian.Milliseconds()), l)
	}
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	return p, nil
}

// intTicks are plot.DefaultTicks labelled without decimals.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = fmt.Sprintf("%.0f", ts[i].Value)
		}
	}
	return ts
}
