package vadeval

import (
	"fmt"
	"io"
	"os"

	"github.com/go-audio/wav"

	"github.com/genie-voice/genie/audio"
)

// maxWavSamples bounds what ReadWav loads (one hour at 16 kHz) so a corrupt header
// cannot make it allocate without limit.
const maxWavSamples = 3600 * audio.SampleRate

// LoadWav reads a whole 16 kHz mono 16-bit PCM wav file. Other formats get an error
// naming the file and its format; there is no resampling here.
func LoadWav(path string) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vadeval: %w", err)
	}
	defer f.Close()
	s, err := ReadWav(f)
	if err != nil {
		return nil, fmt.Errorf("vadeval: %s: %w", path, err)
	}
	return s, nil
}

// ReadWav reads a whole 16 kHz mono 16-bit PCM wav stream. Errors are not prefixed with
// a file name; LoadWav adds it.
func ReadWav(r io.ReadSeeker) (s []int16, err error) {
	// go-audio/wav trusts header fields; turn any panic on a corrupt file into an error.
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("malformed wav: %v", p)
		}
	}()
	d := wav.NewDecoder(r)
	d.ReadInfo()
	if err := d.Err(); err != nil {
		return nil, fmt.Errorf("not a readable wav: %v", err)
	}
	if !d.IsValidFile() {
		return nil, fmt.Errorf("not a valid PCM wav file")
	}
	if d.WavAudioFormat != 1 || d.BitDepth != 16 || d.NumChans != 1 || d.SampleRate != audio.SampleRate {
		return nil, fmt.Errorf("format %d Hz, %d channels, %d-bit (wav format %d); want 16000 Hz mono 16-bit PCM (convert with: sox IN -r 16000 -c 1 -b 16 OUT)",
			d.SampleRate, d.NumChans, d.BitDepth, d.WavAudioFormat)
	}
	if err := d.FwdToPCM(); err != nil {
		return nil, fmt.Errorf("no PCM data: %v", err)
	}
	var out []int16
	buf := make([]byte, 4096)
	for d.PCMChunk != nil && len(out) < maxWavSamples {
		n, err := io.ReadFull(d.PCMChunk, buf)
		for i := 0; i+1 < n; i += 2 {
			out = append(out, int16(uint16(buf[i])|uint16(buf[i+1])<<8))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading samples: %v", err)
		}
	}
	if len(out) > maxWavSamples {
		return nil, fmt.Errorf("longer than %d samples (1 h)", maxWavSamples)
	}
	return out, nil
}
