package cards

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
)

// Card codes.
//
// 002 documents a card code as {batch_code}_{id} ("DANCE_20230101_001_1001"),
// which anyone can enumerate. This module keeps that shape and appends a check
// part:
//
//	{batch_code}_{id}-{check}        e.g. DANCE_20230101_001_1001-7KQ2M9XD4F1B
//
// check is 12 characters of Crockford base32 (0-9, A-Z without I, L, O, U): the
// first 60 bits of HMAC-SHA256(key, "card/v1|" + batch_code + "|" + id), where
// key is derived from the server's secret. Without the secret a code cannot be
// forged (a guess succeeds with probability 2^-60), and a code whose check
// fails is reported exactly like a card that does not exist. Parsing is
// case-insensitive and reads the Crockford aliases O=0, I=L=1.
const (
	// CheckLength is the length of a card code's check part.
	CheckLength = 12
	// MaxCardCodeLength bounds what is worth parsing.
	MaxCardCodeLength = MaxBatchCodeLength + 1 + 20 + 1 + CheckLength
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// MinSecretLength is the shortest secret NewCodeSigner accepts.
const MinSecretLength = 16

// CodeSigner makes and checks card codes with a key derived from a server
// secret. It is safe for concurrent use.
type CodeSigner struct {
	key []byte
}

// NewCodeSigner derives the card code key from secret (at least 16 bytes).
func NewCodeSigner(secret []byte) (*CodeSigner, error) {
	if len(secret) < MinSecretLength {
		return nil, errors.New("cards: the card code secret must have at least 16 bytes")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fiveapis/cards/card-code/v1"))
	return &CodeSigner{key: m.Sum(nil)}, nil
}

// Code returns the card code of card id of the batch with batchCode.
func (s *CodeSigner) Code(batchCode string, id int64) string {
	bc := NormalizeBatchCode(batchCode)
	return bc + "_" + strconv.FormatInt(id, 10) + "-" + s.check(bc, id)
}

func (s *CodeSigner) check(batchCode string, id int64) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("card/v1|"))
	m.Write([]byte(batchCode))
	m.Write([]byte("|"))
	m.Write([]byte(strconv.FormatInt(id, 10)))
	sum := m.Sum(nil)
	v := binary.BigEndian.Uint64(sum[:8]) >> 4 // 60 bits
	var out [CheckLength]byte
	for i := CheckLength - 1; i >= 0; i-- {
		out[i] = crockford[v&31]
		v >>= 5
	}
	return string(out[:])
}

// ParsedCode is a card code that passed its check.
type ParsedCode struct {
	BatchCode string
	CardID    int64
	// Code is the canonical form of the code.
	Code string
}

// Parse checks a card code. Anything malformed or failing the check is
// ErrCardNotFound, so a client learns nothing about which cards exist.
func (s *CodeSigner) Parse(code string) (ParsedCode, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" || len(code) > MaxCardCodeLength {
		return ParsedCode{}, ErrCardNotFound
	}
	dash := strings.LastIndexByte(code, '-')
	if dash < 0 {
		return ParsedCode{}, ErrCardNotFound
	}
	prefix, check := code[:dash], normalizeCheck(code[dash+1:])
	us := strings.LastIndexByte(prefix, '_')
	if us <= 0 || len(check) != CheckLength {
		return ParsedCode{}, ErrCardNotFound
	}
	batchCode, idText := prefix[:us], prefix[us+1:]
	if idText == "" || idText[0] == '0' || len(idText) > 18 {
		return ParsedCode{}, ErrCardNotFound
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return ParsedCode{}, ErrCardNotFound
	}
	if _, err := ValidateBatchCode(batchCode); err != nil {
		return ParsedCode{}, ErrCardNotFound
	}
	want := s.check(batchCode, id)
	if !hmac.Equal([]byte(want), []byte(check)) {
		return ParsedCode{}, ErrCardNotFound
	}
	return ParsedCode{BatchCode: batchCode, CardID: id, Code: batchCode + "_" + idText + "-" + want}, nil
}

func normalizeCheck(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'O':
			return '0'
		case 'I', 'L':
			return '1'
		}
		return r
	}, s)
}
