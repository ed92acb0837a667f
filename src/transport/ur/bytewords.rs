//! Bytewords (BCR-2020-012) in the minimal style UR parts use: each byte as the first and
//! last letters of its four-letter word, the bytes followed by their CRC32 (big-endian).

/// The 256 words, four letters each, in byte order.
const WORDS: &[u8; 1024] = b"\
ableacidalsoapexaquaarchatomauntawayaxisbackbaldbarnbeltbetabias\
bluebodybragbrewbulbbuzzcalmcashcatschefcityclawcodecolacookcost\
cruxcurlcuspcyandarkdatadaysdelidicedietdoordowndrawdropdrumdull\
dutyeacheasyechoedgeepicevenexamexiteyesfactfairfernfigsfilmfish\
fizzflapflewfluxfoxyfreefrogfuelfundgalagamegeargemsgiftgirlglow\
goodgraygrimgurugushgyrohalfhanghardhawkheathelphighhillholyhope\
hornhutsicedideaidleinchinkyintoirisironitemjadejazzjoinjoltjowl\
judojugsjumpjunkjurykeepkenokeptkeyskickkilnkingkitekiwiknoblamb\
lavalazyleaflegsliarlimplionlistlogoloudloveluaulucklungmainmany\
mathmazememomenumeowmildmintmissmonknailnavyneednewsnextnoonnote\
numbobeyoboeomitonyxopenovalowlspaidpartpeckplaypluspoempoolpose\
puffpumapurrquadquizraceramprealredorichroadrockroofrubyruinruns\
rustsafesagascarsetssilkskewslotsoapsolosongstubsurfswantacotask\
taxitenttiedtimetinytoiltombtoystriptunatwinuglyundouniturgeuser\
vastveryvetovialvibeviewvisavoidvowswallwandwarmwaspwavewaxywebs\
whatwhenwhizwolfworkyankyawnyellyogayurtzapszerozestzinczonezoom";

/// The byte of each (first letter, last letter) pair, or -1: the pairs are unique.
const LOOKUP: [i16; 26 * 26] = {
    let mut table = [-1i16; 26 * 26];
    let mut byte = 0;
    while byte < 256 {
        let first = (WORDS[4 * byte] - b'a') as usize;
        let last = (WORDS[4 * byte + 3] - b'a') as usize;
        table[first * 26 + last] = byte as i16;
        byte += 1;
    }
    table
};

/// `bytes` and their CRC32 as minimal bytewords, lowercase.
pub fn encode(bytes: &[u8]) -> String {
    let checksum = crc32fast::hash(bytes).to_be_bytes();
    let mut out = String::with_capacity(2 * (bytes.len() + 4));
    for &byte in bytes.iter().chain(&checksum) {
        let word = &WORDS[4 * usize::from(byte)..];
        out.push(char::from(word[0]));
        out.push(char::from(word[3]));
    }
    out
}

fn letter(c: u8) -> Option<usize> {
    c.is_ascii_lowercase().then(|| usize::from(c - b'a'))
}

/// The bytes of lowercase minimal bytewords, their CRC32 checked and removed.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let letters = text.as_bytes();
    if !letters.len().is_multiple_of(2) {
        return Err("its bytewords have an odd number of letters".into());
    }
    let mut bytes = Vec::with_capacity(letters.len() / 2);
    for (i, pair) in letters.chunks_exact(2).enumerate() {
        let byte = letter(pair[0])
            .zip(letter(pair[1]))
            .map(|(first, last)| LOOKUP[first * 26 + last])
            .filter(|b| *b >= 0)
            .ok_or_else(|| format!("its byteword {} is not a byteword", i + 1))?;
        bytes.push(byte as u8);
    }
    if bytes.len() < 5 {
        return Err("its bytewords are too short to hold data and a checksum".into());
    }
    let body = bytes.len() - 4;
    let expected = u32::from_be_bytes(bytes[body..].try_into().expect("4 bytes"));
    bytes.truncate(body);
    if crc32fast::hash(&bytes) != expected {
        return Err("its checksum is wrong (a misread or changed letter)".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let text = encode(&all);
        assert_eq!(text.len(), 2 * (256 + 4));
        assert!(text.starts_with("aeadaoaxaa"));
        assert_eq!(decode(&text).unwrap(), all);
    }

    #[test]
    fn malformed_bytewords_are_refused() {
        let text = encode(b"hello");
        assert!(decode(&text[..text.len() - 1]).unwrap_err().contains("odd"));
        // "zz" is no word's first and last letter.
        let bad = format!("zz{}", &text[2..]);
        assert!(decode(&bad).unwrap_err().contains("byteword 1"));
        assert!(decode(&text.to_ascii_uppercase()).is_err());
        assert!(decode(&encode(b"")).unwrap_err().contains("too short"));
        // A valid word changed: the checksum catches it.
        let changed = format!("{}{}", &encode(b"jello")[..2], &text[2..]);
        assert!(decode(&changed).unwrap_err().contains("checksum"));
    }
}
