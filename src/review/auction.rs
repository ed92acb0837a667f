//! Dutch auctions: schedule, end, withdraw.

use penumbra_sdk_asset::{asset, Value};
use penumbra_sdk_auction::auction::dutch::actions::{
    ActionDutchAuctionEnd, ActionDutchAuctionSchedule, ActionDutchAuctionWithdrawPlan,
};
use penumbra_sdk_auction::auction::{AuctionId, AuctionNft};

use super::summary::ActionReview;
use super::words::Reviewer;

/// The NFT that stands for an auction at sequence `seq` (0 open, 1 ended, 2+ withdrawn).
fn nft(id: AuctionId, seq: u64) -> Value {
    Value {
        amount: 1u64.into(),
        asset_id: AuctionNft::new(id, seq).asset_id(),
    }
}

/// The auction NFTs a plan's auction actions mint or burn, so the review can name them.
pub(crate) fn auction_nfts(id: AuctionId, seqs: &[u64]) -> Vec<asset::Metadata> {
    seqs.iter()
        .map(|seq| AuctionNft::new(id, *seq).metadata)
        .collect()
}

pub(crate) fn schedule(r: &Reviewer, a: &ActionDutchAuctionSchedule, out: &mut ActionReview) {
    let d = &a.description;
    let id = d.id();
    out.line(format!("Schedule Dutch auction {id}"));
    out.line(format!(
        "     sells {} for {}",
        r.value(&d.input),
        r.denom(d.output_id)
    ));
    out.line(format!(
        "     asks {} at first, falling to {} at the end",
        r.amount(d.max_output, d.output_id),
        r.amount(d.min_output, d.output_id)
    ));
    out.line(format!(
        "     from height {} to height {}, in {} steps",
        d.start_height, d.end_height, d.step_count
    ));
    out.line("     whoever holds its NFT gets the proceeds (the summary says where it goes)");
    out.to(d.input, vec![format!("into Dutch auction {id}")]);
    out.given(nft(id, 0));
}

pub(crate) fn end(a: &ActionDutchAuctionEnd, out: &mut ActionReview) {
    let id = a.auction_id;
    out.line(format!("End Dutch auction {id}"));
    out.line("     it stops selling; what it holds stays in it until withdrawn");
    out.to(nft(id, 0), vec![format!("to end auction {id}")]);
    out.given(nft(id, 1));
}

pub(crate) fn withdraw(r: &Reviewer, a: &ActionDutchAuctionWithdrawPlan, out: &mut ActionReview) {
    let id = a.auction_id;
    out.line(format!("Withdraw from Dutch auction {id}"));
    out.line(format!(
        "     {} unsold and {} proceeds come out",
        r.value(&a.reserves_input),
        r.value(&a.reserves_output)
    ));
    out.line(format!("     withdrawal sequence {}", a.seq));
    out.to(
        nft(id, a.seq.saturating_sub(1)),
        vec![format!("to withdraw from auction {id}")],
    );
    out.given(a.reserves_input);
    out.given(a.reserves_output);
    out.given(nft(id, a.seq));
}
