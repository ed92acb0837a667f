//! Distributed key generation: whole ceremonies in the engine, and mixed ceremonies with
//! Penumbra's own implementation (penumbra-sdk-custody, what `pcli init threshold dkg` runs).

mod common;

use common::*;
use hoarfrost::dkg::{Dkg, DkgOutput, DkgRound1, DkgRound2};
use hoarfrost::keyfile::{import_pcli, PcliSection};
use hoarfrost::messages::{recognise, Codec, MessageKind};
use penumbra_sdk_custody::threshold::{self, Terminal};
use tokio::sync::{mpsc, Mutex};

/// Runs a t-of-n DKG among hoarfrost engines, every message through its JSON encoding.
fn run_dkg(t: u16, n: u16, seed: u64) -> Vec<DkgOutput> {
    let mut r = rng(seed);
    let (mut dkgs, round1): (Vec<Dkg>, Vec<String>) = (0..n)
        .map(|_| {
            let (d, m) = Dkg::new(t, n, &mut r).unwrap();
            (d, m.to_json())
        })
        .unzip();
    for (i, d) in dkgs.iter_mut().enumerate() {
        for (j, m) in round1.iter().enumerate() {
            if i != j {
                d.accept_round1(DkgRound1::from_json(m).unwrap()).unwrap();
            }
        }
    }
    let fingerprints: Vec<String> = dkgs
        .iter()
        .map(|d| d.transcript_fingerprint().unwrap())
        .collect();
    assert!(
        fingerprints.iter().all(|f| f == &fingerprints[0]),
        "{fingerprints:?}"
    );
    let round2: Vec<String> = dkgs
        .iter_mut()
        .map(|d| d.start_round2(&mut r).unwrap().to_json())
        .collect();
    for (i, d) in dkgs.iter_mut().enumerate() {
        for (j, m) in round2.iter().enumerate() {
            if i != j {
                d.accept_round2(DkgRound2::from_json(m).unwrap()).unwrap();
            }
        }
    }
    dkgs.iter_mut().map(|d| d.finish().unwrap()).collect()
}

fn assert_same_key(outputs: &[DkgOutput]) {
    let first = &outputs[0];
    for o in outputs {
        assert_eq!(o.share.group(), first.share.group());
        assert_eq!(o.transcript_fingerprint, first.transcript_fingerprint);
    }
}

/// Proves a DKG'd key signs: t participants sign a definition, verified under decaf377-rdsa.
fn sign_definition(outputs: &[DkgOutput], t: usize) {
    let shares: Vec<_> = outputs.iter().map(|o| o.share.clone()).collect();
    let request = definition_request(&shares[0], 1);
    verify(
        &ceremony(&shares, t, request.clone(), 77),
        &request,
        &shares[0],
    );
}

#[test]
fn dkg_2_of_3_3_of_5_5_of_7() {
    for (t, n, seed) in [(2u16, 3u16, 1u64), (3, 5, 2), (5, 7, 3)] {
        let outputs = run_dkg(t, n, seed);
        assert_eq!(outputs.len(), usize::from(n));
        assert_same_key(&outputs);
        assert!(outputs[0]
            .share
            .group()
            .identity_key()
            .to_string()
            .starts_with("penumbravalid1"));
        sign_definition(&outputs, usize::from(t));
    }
}

/// A pcli terminal whose broadcasts go to a router and whose reads come from an inbox.
struct Peer {
    inbox: Mutex<mpsc::UnboundedReceiver<String>>,
    outbox: mpsc::UnboundedSender<(usize, String)>,
    me: usize,
}

#[tonic::async_trait]
impl Terminal for Peer {
    async fn confirm_request(&self, _: &threshold::SigningRequest) -> anyhow::Result<bool> {
        Ok(true)
    }
    fn explain(&self, _: &str) -> anyhow::Result<()> {
        Ok(())
    }
    async fn broadcast(&self, data: &str) -> anyhow::Result<()> {
        self.outbox.send((self.me, data.to_owned()))?;
        Ok(())
    }
    async fn read_line_raw(&self) -> anyhow::Result<String> {
        self.inbox
            .lock()
            .await
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("closed"))
    }
    async fn get_password(&self) -> anyhow::Result<String> {
        Ok(String::new())
    }
}

/// A hoarfrost participant driven by its inbox; messages may arrive out of round order.
async fn hoarfrost_peer(
    t: u16,
    n: u16,
    me: usize,
    mut inbox: mpsc::UnboundedReceiver<String>,
    outbox: mpsc::UnboundedSender<(usize, String)>,
) -> DkgOutput {
    let mut r = rng(1000 + me as u64);
    let (mut dkg, round1) = Dkg::new(t, n, &mut r).unwrap();
    outbox.send((me, round1.to_json())).unwrap();
    let mut early_round2 = Vec::new();
    while dkg.progress().0 < usize::from(n) - 1 {
        let line = inbox.recv().await.unwrap();
        match recognise(&line).unwrap().0 {
            MessageKind::DkgRound1 => {
                dkg.accept_round1(DkgRound1::from_json(&line).unwrap())
                    .unwrap();
            }
            _ => early_round2.push(line),
        }
    }
    outbox
        .send((me, dkg.start_round2(&mut r).unwrap().to_json()))
        .unwrap();
    for line in early_round2 {
        dkg.accept_round2(DkgRound2::from_json(&line).unwrap())
            .unwrap();
    }
    while dkg.progress().0 < usize::from(n) - 1 {
        let line = inbox.recv().await.unwrap();
        dkg.accept_round2(DkgRound2::from_json(&line).unwrap())
            .unwrap();
    }
    dkg.finish().unwrap()
}

#[tokio::test]
async fn mixed_dkg_with_penumbra_gives_everyone_the_same_fvk() {
    for (t, n, pcli_peers) in [(2u16, 3u16, 1usize), (3, 5, 2)] {
        let (outbox, mut router) = mpsc::unbounded_channel::<(usize, String)>();
        let (inboxes, receivers): (Vec<_>, Vec<_>) =
            (0..n).map(|_| mpsc::unbounded_channel::<String>()).unzip();
        tokio::spawn(async move {
            while let Some((from, line)) = router.recv().await {
                for (to, inbox) in inboxes.iter().enumerate() {
                    if to != from {
                        let _ = inbox.send(line.clone());
                    }
                }
            }
        });
        let mut pcli = Vec::new();
        let mut ours = Vec::new();
        for (me, inbox) in receivers.into_iter().enumerate() {
            if me < pcli_peers {
                let peer = Peer {
                    inbox: Mutex::new(inbox),
                    outbox: outbox.clone(),
                    me,
                };
                pcli.push(tokio::spawn(async move {
                    threshold::dkg(t, n, &peer).await.unwrap()
                }));
            } else {
                ours.push(tokio::spawn(hoarfrost_peer(
                    t,
                    n,
                    me,
                    inbox,
                    outbox.clone(),
                )));
            }
        }
        let mut outputs = Vec::new();
        for h in ours {
            outputs.push(h.await.unwrap());
        }
        assert_same_key(&outputs);
        let fvk = outputs[0].share.group().fvk().clone();
        for h in pcli {
            let config = h.await.unwrap();
            assert_eq!(
                config.fvk(),
                &fvk,
                "pcli and hoarfrost derived different keys"
            );
            // pcli's share works in hoarfrost ceremonies too.
            let share =
                import_pcli(&toml::to_string(&config).unwrap(), PcliSection::Custody).unwrap();
            outputs.push(DkgOutput {
                share,
                transcript_fingerprint: String::new(),
            });
        }
        // Sign with a mix of pcli-generated and hoarfrost-generated shares.
        let mut mixed: Vec<DkgOutput> = outputs.into_iter().rev().collect();
        mixed.truncate(usize::from(t));
        sign_definition(&mixed, usize::from(t));
    }
}
