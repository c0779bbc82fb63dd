//go:build !race

package cards_test

// qrZipCards is the size of the QR zip test batch: the 10,000 of the issue.
const qrZipCards = 10000
