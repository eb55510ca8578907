package mcu

// crcTable holds the CRC of every byte value, for crc16.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[i] = crc
	}
	return t
}()

// crc16 returns the CRC-16/CCITT-FALSE of p: polynomial 0x1021, initial value 0xFFFF,
// no reflection, no final XOR. Its check value ("123456789") is 0x29B1.
func crc16(p []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range p {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^b]
	}
	return crc
}
