//! Mixed ceremonies: Penumbra's own threshold custody (penumbra-sdk-custody 2.1.1, what pcli runs)
//! plays some participants, hoarfrost the others, in both roles.

mod common;

use std::sync::Arc;

use common::*;
use hoarfrost::keyfile::{export_pcli, import_pcli, PcliSection};
use hoarfrost::keys::KeyShare;
use hoarfrost::messages::{
    Codec, CoordinatorRound1, CoordinatorRound2, FollowerRound1, FollowerRound2,
};
use hoarfrost::request::SigningRequest;
use hoarfrost::signing::{Coordinator, Follower, SigningResult};
use penumbra_sdk_custody::threshold::{self, Config, Terminal};
use penumbra_sdk_proto::custody::v1 as custody_pb;
use penumbra_sdk_proto::custody::v1::custody_service_server::CustodyService;
use penumbra_sdk_transaction::TransactionPlan;
use tokio::sync::{mpsc, Mutex};

/// A pcli terminal wired to channels: what it broadcasts goes out, what it reads comes in.
struct ChannelTerminal {
    incoming: Mutex<mpsc::UnboundedReceiver<String>>,
    outgoing: mpsc::UnboundedSender<String>,
}

#[tonic::async_trait]
impl Terminal for ChannelTerminal {
    async fn confirm_request(&self, _: &threshold::SigningRequest) -> anyhow::Result<bool> {
        Ok(true)
    }
    fn explain(&self, _: &str) -> anyhow::Result<()> {
        Ok(())
    }
    async fn broadcast(&self, data: &str) -> anyhow::Result<()> {
        self.outgoing.send(data.to_owned())?;
        Ok(())
    }
    async fn read_line_raw(&self) -> anyhow::Result<String> {
        self.incoming
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

fn terminal() -> (
    ChannelTerminal,
    mpsc::UnboundedSender<String>,
    mpsc::UnboundedReceiver<String>,
) {
    let (to_terminal, incoming) = mpsc::unbounded_channel();
    let (outgoing, from_terminal) = mpsc::unbounded_channel();
    (
        ChannelTerminal {
            incoming: Mutex::new(incoming),
            outgoing,
        },
        to_terminal,
        from_terminal,
    )
}

fn to_pcli(share: &KeyShare) -> Config {
    pcli_custody(&export_pcli(share, "https://example.com/", PcliSection::Custody).unwrap())
}

/// The threshold custody config pcli reads from a pcli config file's text.
fn pcli_custody(text: &str) -> Config {
    let table: toml::Table = toml::from_str(text).unwrap();
    let mut custody = table["custody"].as_table().unwrap().clone();
    custody.remove("backend");
    custody.try_into().unwrap()
}

fn from_pcli(config: &Config) -> KeyShare {
    import_pcli(&toml::to_string(config).unwrap(), PcliSection::Custody).unwrap()
}

const TEST_PLAN: &str = include_str!("data/plan.json");

fn plan_request() -> SigningRequest {
    SigningRequest::Transaction(serde_json::from_str::<TransactionPlan>(TEST_PLAN).unwrap())
}

/// Penumbra coordinates; hoarfrost follows.
async fn pcli_coordinator(t: u16, n: u16, make: fn(&KeyShare) -> SigningRequest, seed: u64) {
    pcli_coordinates(dealt(t, n, seed), t, make, seed).await
}

/// Penumbra coordinates with `shares[0]`; hoarfrost follows with the next t-1 shares.
async fn pcli_coordinates(
    shares: Vec<KeyShare>,
    t: u16,
    make: fn(&KeyShare) -> SigningRequest,
    seed: u64,
) {
    let request = make(&shares[0]);
    let (term, to_coordinator, mut from_coordinator) = terminal();
    let pcli = Arc::new(threshold::Threshold::new(to_pcli(&shares[0]), term));
    let task = {
        let pcli = pcli.clone();
        let request = request.clone();
        tokio::spawn(async move {
            match request {
                SigningRequest::ValidatorDefinition(v) => {
                    let rsp = pcli
                        .authorize_validator_definition(tonic::Request::new(
                            custody_pb::AuthorizeValidatorDefinitionRequest {
                                validator_definition: Some(v.into()),
                                pre_authorizations: vec![],
                            },
                        ))
                        .await
                        .unwrap()
                        .into_inner();
                    SigningResult::ValidatorDefinition(
                        rsp.validator_definition_auth.unwrap().try_into().unwrap(),
                    )
                }
                SigningRequest::ValidatorVote(v) => {
                    let rsp = pcli
                        .authorize_validator_vote(tonic::Request::new(
                            custody_pb::AuthorizeValidatorVoteRequest {
                                validator_vote: Some(v.into()),
                                pre_authorizations: vec![],
                            },
                        ))
                        .await
                        .unwrap()
                        .into_inner();
                    SigningResult::ValidatorVote(
                        rsp.validator_vote_auth.unwrap().try_into().unwrap(),
                    )
                }
                SigningRequest::Transaction(plan) => {
                    let rsp = pcli
                        .authorize(tonic::Request::new(custody_pb::AuthorizeRequest {
                            plan: Some(plan.into()),
                            pre_authorizations: vec![],
                        }))
                        .await
                        .unwrap()
                        .into_inner();
                    SigningResult::Transaction(rsp.data.unwrap().try_into().unwrap())
                }
            }
        })
    };
    let round1 = CoordinatorRound1::from_json(&from_coordinator.recv().await.unwrap()).unwrap();
    let mut r = rng(seed + 7);
    let mut followers: Vec<Follower> = shares[1..usize::from(t)]
        .iter()
        .map(|s| Follower::new(s.clone(), round1.clone()).unwrap())
        .collect();
    for f in &mut followers {
        to_coordinator
            .send(f.approve(&mut r).unwrap().to_json())
            .unwrap();
    }
    let round2 = CoordinatorRound2::from_json(&from_coordinator.recv().await.unwrap()).unwrap();
    for f in &mut followers {
        to_coordinator
            .send(f.sign(round2.clone()).unwrap().to_json())
            .unwrap();
    }
    let result = task.await.unwrap();
    verify(&result, &request, &shares[0]);
}

/// Hoarfrost coordinates; `pcli_followers` of the t-1 followers are Penumbra's, the rest hoarfrost.
async fn hoarfrost_coordinator(
    t: u16,
    n: u16,
    pcli_followers: usize,
    make: fn(&KeyShare) -> SigningRequest,
    seed: u64,
) {
    coordinates_pcli_followers(dealt(t, n, seed), t, pcli_followers, make, seed).await
}

/// Hoarfrost coordinates with `shares[0]`; of the next t-1 shares, `pcli_followers` follow in
/// Penumbra's code, the rest in hoarfrost.
async fn coordinates_pcli_followers(
    shares: Vec<KeyShare>,
    t: u16,
    pcli_followers: usize,
    make: fn(&KeyShare) -> SigningRequest,
    seed: u64,
) {
    let request = make(&shares[0]);
    let mut r = rng(seed + 3);
    let (mut coordinator, round1) = Coordinator::new(
        shares[0].group().clone(),
        Some(shares[0].clone()),
        request.clone(),
        None,
    )
    .unwrap();
    let round1_json = round1.to_json();
    let signers = &shares[1..usize::from(t)];
    let mut pcli_channels = Vec::new();
    for share in &signers[..pcli_followers] {
        let (term, to_follower, from_follower) = terminal();
        let config = to_pcli(share);
        tokio::spawn(async move { threshold::follow(Some(&config), Some(&config), &term).await });
        to_follower.send(round1_json.clone()).unwrap();
        pcli_channels.push((to_follower, from_follower));
    }
    let round1_parsed = CoordinatorRound1::from_json(&round1_json).unwrap();
    let mut followers: Vec<Follower> = signers[pcli_followers..]
        .iter()
        .map(|s| Follower::new(s.clone(), round1_parsed.clone()).unwrap())
        .collect();
    for (_, from) in &mut pcli_channels {
        let reply = FollowerRound1::from_json(&from.recv().await.unwrap()).unwrap();
        coordinator.accept_round1(reply).unwrap();
    }
    for f in &mut followers {
        coordinator
            .accept_round1(f.approve(&mut r).unwrap())
            .unwrap();
    }
    let round2 = coordinator.start_round2(&mut r).unwrap();
    let round2_json = round2.to_json();
    for (to, from) in &mut pcli_channels {
        to.send(round2_json.clone()).unwrap();
        let reply = FollowerRound2::from_json(&from.recv().await.unwrap()).unwrap();
        coordinator.accept_round2(reply).unwrap();
    }
    for f in &mut followers {
        coordinator
            .accept_round2(f.sign(round2.clone()).unwrap())
            .unwrap();
    }
    let result = coordinator.aggregate().unwrap();
    verify(&result, &request, &shares[0]);
}

fn definition(share: &KeyShare) -> SigningRequest {
    definition_request(share, 3)
}

fn vote(share: &KeyShare) -> SigningRequest {
    vote_request(share, 12)
}

fn transaction(_: &KeyShare) -> SigningRequest {
    plan_request()
}

#[tokio::test]
async fn pcli_coordinates_definition_with_hoarfrost_followers() {
    pcli_coordinator(2, 3, definition, 10).await;
    pcli_coordinator(3, 5, definition, 11).await;
}

#[tokio::test]
async fn pcli_coordinates_vote_with_hoarfrost_followers() {
    pcli_coordinator(2, 3, vote, 12).await;
}

#[tokio::test]
async fn pcli_coordinates_transaction_with_hoarfrost_followers() {
    pcli_coordinator(3, 5, transaction, 13).await;
}

#[tokio::test]
async fn hoarfrost_coordinates_pcli_followers() {
    hoarfrost_coordinator(2, 3, 1, definition, 20).await;
    hoarfrost_coordinator(3, 5, 2, vote, 21).await;
    hoarfrost_coordinator(3, 5, 2, transaction, 22).await;
}

#[tokio::test]
async fn mixed_followers_under_a_hoarfrost_coordinator() {
    hoarfrost_coordinator(3, 5, 1, definition, 30).await;
    hoarfrost_coordinator(4, 7, 2, transaction, 31).await;
}

#[tokio::test]
async fn pcli_signs_with_refreshed_shares_exported_for_it() {
    // 2-of-3 refreshed with everyone; 3-of-5 refreshed without participant 4.
    let shares = refreshed(&dealt(2, 3, 40), &[0, 1, 2], 41);
    assert_eq!(shares[0].group().generation().number, 1);
    coordinates_pcli_followers(shares.clone(), 2, 1, definition, 42).await;
    pcli_coordinates(shares, 2, vote, 43).await;
    let shares = refreshed(&dealt(3, 5, 44), &[0, 1, 2, 3], 45);
    assert_eq!(shares[0].group().participant_count(), 4);
    coordinates_pcli_followers(shares.clone(), 3, 2, transaction, 46).await;
    pcli_coordinates(shares, 3, definition, 47).await;
}

#[tokio::test]
async fn pcli_follows_with_a_share_the_binary_refreshed_and_exported() {
    use common::process::{relay, run_ok, temp, Process};
    let dir = temp();
    let homes: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| dir.path().join(n).display().to_string())
        .collect();
    let mut deal = vec![
        "deal", "-t", "2", "-n", "3", "--name", "identity", "--homes",
    ];
    deal.extend(homes.iter().map(String::as_str));
    run_ok(&deal);
    let mut refresh: Vec<Process> = homes
        .iter()
        .enumerate()
        .map(|(i, home)| {
            let start = if i == 0 { "--start" } else { "--yes" };
            Process::start(&[
                "--home", home, "refresh", "--name", "identity", start, "--no-tui",
            ])
        })
        .collect();
    relay(&mut refresh);
    refresh.into_iter().for_each(|p| {
        p.finish();
    });
    let refreshed: Vec<KeyShare> = homes
        .iter()
        .map(|home| {
            let text = std::fs::read_to_string(format!("{home}/keys/identity.toml")).unwrap();
            let key = hoarfrost::keyfile::decode(&text).unwrap();
            key.material
                .unlock(Some(b"correct horse battery staple"))
                .unwrap()
                .unwrap()
        })
        .collect();
    assert_eq!(refreshed[1].group().generation().number, 1);
    let exported = dir.path().join("pcli-config.toml");
    run_ok(&[
        "--home",
        &homes[1],
        "keys",
        "export-pcli",
        "--name",
        "identity",
        "--out",
        exported.to_str().unwrap(),
    ]);
    // pcli's follower runs on exactly the config the binary wrote for the refreshed share.
    let config = pcli_custody(&std::fs::read_to_string(&exported).unwrap());
    assert_eq!(config, to_pcli(&refreshed[1]));
    coordinates_pcli_followers(refreshed, 2, 1, definition, 50).await;
}

#[test]
fn pcli_configs_convert_both_ways() {
    let configs = Config::deal(&mut rand_core::OsRng, 2, 3).unwrap();
    for config in &configs {
        let share = from_pcli(config);
        assert_eq!(&to_pcli(&share), config);
        assert_eq!(share.group().fvk(), config.fvk());
    }
}

#[test]
fn pcli_dealt_keys_sign_in_hoarfrost() {
    let shares: Vec<KeyShare> = Config::deal(&mut rand_core::OsRng, 2, 2)
        .unwrap()
        .iter()
        .map(from_pcli)
        .collect();
    let request = definition_request(&shares[0], 0);
    let result = ceremony(&shares, 2, request.clone(), 5);
    verify(&result, &request, &shares[0]);
}
