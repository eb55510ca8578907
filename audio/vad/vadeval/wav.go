package vadeval

import (
	"encoding/binary"
	"errors"
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
	if err := checkChunks(r); err != nil {
		return nil, err
	}
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

// checkChunks walks the RIFF chunk headers and rejects sizes that run past the end of
// the stream before go-audio, which trusts them, tries to skip or allocate them. A data
// chunk may claim more than is there (streaming writers leave it at 0xFFFFFFFF); it is
// read to the end of the stream. It leaves r at its start.
func checkChunks(r io.ReadSeeker) error {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("not a readable wav: %v", err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("not a readable wav: %v", err)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[:4]) != "RIFF" || string(hdr[8:]) != "WAVE" {
		return errors.New("not a RIFF/WAVE wav file")
	}
	pos := int64(12)
	for pos+8 <= size {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return fmt.Errorf("not a readable wav: chunk at byte %d: %v", pos, err)
		}
		id, n := string(ch[:4]), int64(binary.LittleEndian.Uint32(ch[4:]))
		if id == "data" {
			break
		}
		if id == "fmt " && (n < 16 || n > 64) {
			return fmt.Errorf("malformed wav: fmt chunk of %d bytes", n)
		}
		if n > size-pos-8 {
			return fmt.Errorf("malformed wav: chunk %q at byte %d claims %d bytes, %d left", id, pos, n, size-pos-8)
		}
		pos += 8 + n + n&1
		if _, err := r.Seek(pos, io.SeekStart); err != nil {
			return fmt.Errorf("not a readable wav: %v", err)
		}
	}
	_, err = r.Seek(0, io.SeekStart)
	return err
}
