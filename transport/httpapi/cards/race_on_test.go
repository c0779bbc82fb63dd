//go:build race

package cards_test

// qrZipCards is the size of the QR zip test batch under the race detector.
const qrZipCards = 1000
