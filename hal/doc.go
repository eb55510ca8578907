// Package hal is genie's hardware abstraction layer: LED rings, screens, buttons, the
// mute switch and the MCU on a UART, built from the board profile (configs.HAL) and
// driven by the dialog's event bus.
//
// The interfaces (Strip, Screen, MuteSwitch) are small and follow periph.io's
// conn.Resource: String and Halt, and Halt leaves the bus open. Drivers live in
// subpackages the way periph splits conn from devices: hal/led (APA102, WS2812 on SPI),
// hal/screen (SSD1306 on I²C, Linux framebuffer), hal/button (debounced GPIO buttons),
// hal/mcu (the UART protocol of docs/mcu-protocol.md). hal/anim and hal/view compute
// what the LEDs and the screen show as pure functions of the dialog scene and a time,
// and hal/haltest has recording fakes for every device and bus.
//
// Board ties them together. Board.Handle applies an event and Board.Render(t) draws the
// frame at time t, so tests and the simulator step frames; Board.Run does both from a
// bus subscription, at 30 fps on the wall clock or on the events' sample time.
// Inputs (button presses and mute changes) come out of Board.Inputs; Board.Mute is the
// MuteSwitch the listener polls per block. Mute is a guarantee: when any source turns it
// on, State is true before the call returns, the LEDs are redrawn red in the same call
// and the MCU is told.
//
// Times are time.Duration on the render timeline (sample time on the bench). Board
// is safe for concurrent use; drivers are not and are only used under its lock.
package hal
